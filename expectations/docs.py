"""The quality site under ``<YIBAO_OUTPUT_DIR>/quality/``, rebuilt on every gate run.

    quality/index.html                     start here: every feed, every delivery needing attention
    quality/feeds/<feed>.html              one feed: its checks, failures and deliveries
    quality/batches/<feed>/<batch_id>.html one page per delivered batch (file): what was checked,
                                           what failed, how many rows, which lines, what to do
    quality/results/<feed>.json            latest gate result per feed (counts, no values)
    quality/results/<feed>.gx.json         latest GX validation result per feed (scrubbed)

The pages are written for quality owners, in Chinese (:mod:`expectations.wording` holds every word
they read), and are self-contained: inline CSS, no script, no link outside the site, so they open
from a file share or a mail attachment on a machine without internet.

GX's own Data Docs are not built. They fetch Bootstrap, jQuery and Vega from CDNs (blank and
unstyled offline), are English only, and call a validation "Failed" whenever any expectation
failed — a feed with warnings only, which passed here, would read as failed there. Everything they
showed is on our pages (every check, its result and unexpected count) in the project's vocabulary;
the full GX validation result stays in ``results/<feed>.gx.json`` for engineers. Rendering our
pages also costs well under a millisecond each (GX: ≈ 14 ms per page), so every delivered file
has its own page.

Nothing here shows a sensitive value: sensitive checks carry counts only, samples come only from
non-sensitive columns, and :func:`scan_for_identifiers` (used by the tests) looks for 身份证号 and
mobile numbers in every generated file.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
from pathlib import Path

from expectations.checks import CRITICAL
from expectations.results import FeedResult, GateResult
from expectations.wording import (
    CATEGORY,
    VERDICT,
    VERDICT_EXPLAINED,
    check_text,
    feed_label,
    local_time,
    period_label,
    sample_text,
    severity_label,
    verdict_label,
)
from ingest.check_digits import certno_valid
from ingest.specs import FEEDS

logger = logging.getLogger(__name__)

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",-apple-system,"Segoe UI",sans-serif;
margin:1.5em auto;max-width:80em;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.45em;margin-bottom:.3em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .55em;vertical-align:top;
font-size:.92em}th{background:#f3f3f3;text-align:left;white-space:nowrap}
.fail{background:#f8d7da}.warn{background:#fff3cd}.pass{background:#d4edda}.none,.not_validated{background:#eee}
.badge{display:inline-block;padding:.1em .6em;border-radius:.3em;font-weight:bold;border:1px solid #bbb}
code,.id{font-family:ui-monospace,Consolas,monospace;font-size:.85em;color:#555}.muted{color:#666;font-size:.9em}
.num{text-align:right;white-space:nowrap}.finding{border:1px solid #ccc;border-left:.4em solid #c33;padding:.4em .8em;
margin:.8em 0}.finding.warning{border-left-color:#d9a400}.finding p{margin:.3em 0}nav{font-size:.9em}
"""

# what a check's result is called (a failed warning check did not fail its feed: it "found a problem")
CHECK_RESULT = {
    "pass": "通过",
    CRITICAL: "发现问题（严重）",
    "warning": "发现问题（警告）",
    "error": "无法执行（按未通过处理）",
}


def e(x) -> str:
    return html.escape("" if x is None else str(x))


def _page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    nav = "" if depth == 0 else f'<nav><a href="{up}index.html">← 数据质量首页 Data quality</a></nav>'
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{e(title)}</title>'
        f"<style>{CSS}</style></head><body>{nav}<h1>{e(title)}</h1>{body}</body></html>"
    )


def _badge(verdict: str) -> str:
    return f'<span class="badge {e(verdict)}">{e(verdict_label(verdict))}</span>'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def batch_page_path(feed: str, batch_id: str) -> str:
    return f"batches/{feed}/{batch_id}.html"


def _n(x) -> str:
    return "" if x is None else f"{x:,}"


def _check_result(o, failed: bool) -> tuple[str, str]:
    """(css class, words) of one check's result."""
    if not failed:
        return "pass", CHECK_RESULT["pass"]
    if o.error:
        return "fail", CHECK_RESULT["error"]
    return ("fail" if o.severity == CRITICAL else "warn"), CHECK_RESULT[o.severity]


def _check_cell(o) -> str:
    what, _ = check_text(o)
    return f'{e(what)}<br><span class="id">{e(o.check_id)}</span>'


def _samples(o, b) -> str:
    if o.sensitive:
        return "敏感字段：只报告数量和行号，不显示值"
    return "；".join(sample_text(s, o.feed) for s in b.samples)


def _rows_cell(o, b) -> str:
    if o.error:
        return "全部（检查无法执行）"
    if o.attribution == "table":
        return "整张表（表级检查）"
    return f"{b.unexpected:,} 行"


def _lines(b) -> str:
    if not b.lines:
        return ""
    more = " …" if b.unexpected > len(b.lines) else ""
    return "第 " + "、".join(map(str, b.lines)) + " 行" + more


def _why(o) -> str:
    if o.error:
        return f"检查无法执行：{o.error}"
    if o.detail:
        return f"详情：{o.detail}"
    return ""


def _legend() -> str:
    rows = "".join(
        f'<tr><td class="{k}"><b>{e(VERDICT[k])}</b></td><td>{e(VERDICT_EXPLAINED[k])}</td></tr>'
        for k in ("pass", "warn", "fail")
    )
    return (
        "<table><tr><th>结论 Verdict</th><th>含义</th></tr>" + rows + "</table>"
        '<p class="muted">严重（critical）问题阻断下游；警告（warning）只报告、不阻断。'
        "身份证号、姓名、电话、经办人等敏感字段只报告数量和行号，从不显示其值。</p>"
    )


# ----------------------------------------------------------------------------- renderers


def findings_by_batch(fr: FeedResult) -> dict[str, dict]:
    """{batch_id: {check_id: BatchFinding}} for the failed checks of each batch."""
    out: dict[str, dict] = {}
    for o in fr.outcomes:
        for b in o.batches:
            if b.unexpected > 0 or o.error:
                out.setdefault(b.batch_id, {})[o.check_id] = b
    return out


def render_batch(fr: FeedResult, bv, findings: dict | None = None) -> str:
    info = bv.info
    if findings is None:
        findings = findings_by_batch(fr).get(info.batch_id, {})
    facts = [
        ("数据集", feed_label(fr.feed)),
        ("文件", info.file),
        ("报送方", info.sender),
        ("期间", period_label(info.period)),
        *([("序号", info.seq)] if info.seq else []),
        ("加载时间（北京时间）", local_time(info.loaded_at)),
        ("读取行数", _n(info.rows_read)),
        ("加载行数", _n(info.rows_loaded)),
        ("隔离行数（raw.quarantine）", _n(info.rows_quarantined)),
        ("校验行数", _n(info.rows_in_raw)),
        (
            "检查内容",
            f"{bv.critical_evaluated} 项严重级检查 + {bv.warning_evaluated} 项警告级检查，"
            f"校验时间 {local_time(bv.validated_at or fr.validated_at)}（北京时间）",
        ),
        (
            "技术标识",
            f"批次 {info.batch_id} · sha256 {info.sha256 or ''} · 校验运行 {bv.validated_by or fr.run_id} · "
            f"规则集 {fr.suite}",
        ),
    ]
    body = [
        f"<p>{_badge(bv.verdict)} {e(VERDICT_EXPLAINED[bv.verdict])}</p>",
        f"<p>本交付：严重问题 <b>{bv.critical_failed}</b> 项，警告 <b>{bv.warning_failed}</b> 项。</p><table>",
    ]
    body += [f"<tr><th>{e(k)}</th><td{' class=id' if k == '技术标识' else ''}>{e(v)}</td></tr>" for k, v in facts]
    body.append("</table>")
    failed = [o for o in fr.outcomes if o.check_id in findings]
    if failed:
        body.append(
            "<h2>发现的问题 — Findings</h2><table><tr><th>严重程度</th><th>检查内容</th><th>问题行数</th>"
            "<th>行号（前几行）</th><th>示例值</th><th>处理建议</th></tr>"
        )
        for o in sorted(failed, key=lambda o: (o.severity != CRITICAL, o.check_id)):
            b = findings[o.check_id]
            cls = "fail" if o.severity == CRITICAL else "warn"
            _, todo = check_text(o)
            why = _why(o)
            body.append(
                f'<tr class="{cls}"><td>{e(severity_label(o.severity))}</td><td>{_check_cell(o)}'
                f"{'<br><i>' + e(why) + '</i>' if why else ''}</td><td class=num>{e(_rows_cell(o, b))}</td>"
                f"<td>{e(_lines(b))}</td><td>{e(_samples(o, b))}</td><td>{e(todo)}</td></tr>"
            )
        body.append("</table>")
        body.append(
            '<p class="muted">行号指原始文件中的行：CSV 和 Excel 文件表头为第 1 行，Parquet 文件为记录序号。</p>'
        )
    body.append(
        "<h2>全部检查 — Everything that was checked</h2><table><tr><th>严重程度</th><th>检查内容</th>"
        "<th>本交付结果</th></tr>"
    )
    for o in sorted(fr.outcomes, key=lambda o: (o.check_id not in findings, o.severity != CRITICAL)):
        cls, words = _check_result(o, o.check_id in findings)
        body.append(
            f"<tr><td>{e(severity_label(o.severity))}</td><td>{_check_cell(o)}</td>"
            f'<td class="{cls}">{e(words)}</td></tr>'
        )
    body.append("</table>")
    return _page(f"数据质量 · {feed_label(fr.feed)} · {info.file or info.batch_id}", "".join(body), depth=2)


def _finding_block(fr: FeedResult, o, idx: dict, max_files: int = 10) -> str:
    what, todo = check_text(o)
    sev = severity_label(o.severity)
    out = [
        f'<div class="finding {e(o.severity)}"><p><b>【{e(sev)}】{e(what)}</b> '
        f'<span class="id">{e(o.check_id)}</span></p>'
    ]
    if o.error:
        out.append(f"<p>检查无法执行，按未通过处理：{e(o.error)}。请联系数据工程师（检查或原始表损坏）。</p>")
    elif o.attribution == "table":
        detail = f"（{e(o.detail)}）" if o.detail else ""
        out.append(f"<p>表级问题{detail}，涉及该数据集的每一个交付。</p>")
    else:
        of = f"，共 {o.element_count:,} 行" if o.element_count else ""
        out.append(f"<p>问题行数：<b>{o.unexpected:,}</b>{of}；涉及 {len(o.batches)} 份交付。</p>")
    if o.batches and o.attribution != "table":
        out.append("<table><tr><th>文件</th><th>期间</th><th>问题行数</th><th>行号（前几行）</th><th>示例值</th></tr>")
        for b in sorted(o.batches, key=lambda b: -b.unexpected)[:max_files]:
            info = idx.get(b.batch_id)
            bv_page = f"../{batch_page_path(fr.feed, b.batch_id)}"
            name = info.where if info else f"批次 {b.batch_id}"
            out.append(
                f'<tr><td><a href="{e(bv_page)}">{e(name)}</a></td>'
                f"<td>{e(period_label(info.period if info else ''))}</td>"
                f"<td class=num>{b.unexpected:,}</td><td>{e(_lines(b))}</td><td>{e(_samples(o, b))}</td></tr>"
            )
        out.append("</table>")
        if len(o.batches) > max_files:
            out.append(f'<p class="muted">另有 {len(o.batches) - max_files} 个交付，见下方交付列表。</p>')
    out.append(f"<p><b>处理建议：</b>{e(todo)}</p></div>")
    return "".join(out)


def render_feed(fr: FeedResult) -> str:
    title = f"数据质量 · {feed_label(fr.feed)}"
    if fr.status == "no_deliveries":
        body = f"<p>{_badge('none')} 没有已加载的交付。</p>"
        if fr.refused:
            body += _refused_table(fr.refused, f"被拒收的文件（{len(fr.refused)}）：未加载，因此未校验")
        return _page(title, body, depth=1)
    body = [
        f"<p>{_badge(fr.verdict)} {e(VERDICT_EXPLAINED[fr.verdict])}</p>",
        f"<p>{len(fr.batches)} 份交付，共 {fr.rows:,} 行；严重级检查 {fr.critical_evaluated} 项中"
        f" <b>{fr.critical_failed}</b> 项发现问题，警告级检查 {fr.warning_evaluated} 项中 <b>{fr.warning_failed}</b>"
        f" 项发现问题。校验时间 {e(local_time(fr.validated_at))}（北京时间）。</p>",
        f'<p class="muted">校验运行 <span class="id">{e(fr.run_id)}</span> · 规则集 '
        f'<span class="id">{e(fr.suite)} ({e(fr.fingerprint)})</span></p>',
    ]
    if fr.carried_batches:
        body.append(
            f"<p>本次校验 <b>{fr.validated_batches}</b> 份交付：新交付、此前有问题的交付，以及所在期间或所依据的数据"
            f"有变化的交付。其余 <b>{fr.carried_batches}</b> 份此前已在同一规则集下通过，其依据的数据未变，沿用原结论"
            f"（各交付页面写明原校验时间）。下方检查表中的问题行数只计本次校验的交付。</p>"
        )
    if fr.error:
        body.append(f'<p class="fail">质量门无法校验该数据集（按未通过处理）：{e(fr.error)}。请联系数据工程师。</p>')
    if fr.refused:
        body.append(_refused_table(fr.refused, f"被拒收的文件（{len(fr.refused)}）：未加载，因此未校验"))
    failed = sorted(fr.failures(), key=lambda o: (o.severity != CRITICAL, o.check_id))
    if failed:
        idx = fr.batch_index()
        body.append(f"<h2>发现的问题（{len(failed)}）— Findings</h2>")
        body += [_finding_block(fr, o, idx) for o in failed]
    body.append(
        "<h2>全部检查 — Checks</h2><table><tr><th>严重程度</th><th>检查内容</th><th>类别</th><th>结果</th>"
        "<th>问题行数</th><th>涉及交付</th></tr>"
    )
    for o in sorted(fr.outcomes, key=lambda o: (o.success, o.severity != CRITICAL)):
        cls, words = _check_result(o, o.failed)
        body.append(
            f"<tr><td>{e(severity_label(o.severity))}</td><td>{_check_cell(o)}</td>"
            f"<td>{e(CATEGORY.get(o.category, o.category))}</td>"
            f'<td class="{cls}">{e(words)}</td><td class=num>{o.unexpected:,}</td>'
            f"<td class=num>{len(o.batches) if o.failed else ''}</td></tr>"
        )
    body.append("</table>")
    body.append(f"<h2>各份交付（{len(fr.batches)}）— Deliveries</h2>")
    body.append(_deliveries_table(fr.batches, prefix="../"))
    return _page(title, "".join(body), depth=1)


def _deliveries_table(batches, prefix: str, feed_col: str | None = None) -> str:
    rows = [
        "<table><tr>" + ("<th>数据集</th>" if feed_col else "") + "<th>期间</th><th>文件</th>"
        "<th>行数</th><th>隔离行数</th><th>严重问题</th><th>警告</th><th>结论</th></tr>"
    ]
    for feed, bv in batches if feed_col else ((None, b) for b in batches):
        i = bv.info
        link = f'<a href="{prefix}{e(bv.page)}">{e(i.file or i.batch_id)}</a>' if bv.page else e(i.file)
        rows.append(
            "<tr>"
            + (f"<td>{e(feed_label(feed))}</td>" if feed_col else "")
            + f"<td>{e(period_label(i.period))}</td><td>{link}</td>"
            f"<td class=num>{e(_n(i.rows_read if i.rows_read is not None else i.rows_in_raw))}</td>"
            f"<td class=num>{e(_n(i.rows_quarantined))}</td><td class=num>{bv.critical_failed}</td>"
            f"<td class=num>{bv.warning_failed}</td>"
            f'<td class="{e(bv.verdict)}">{e(verdict_label(bv.verdict))}</td></tr>'
        )
    rows.append("</table>")
    return "".join(rows)


def _refused_table(refused: list[dict], title: str) -> str:
    rows = [f"<h2>{e(title)}</h2><table><tr><th>文件</th><th>原因（加载程序）</th><th>行</th><th>列</th></tr>"]
    rows += [
        f'<tr class="fail"><td>{e(r["file"])}</td><td>{e(r["message"])}</td><td>{e(r["error_line"])}</td>'
        f"<td>{e(r['error_column'])}</td></tr>"
        for r in refused
    ]
    rows.append("</table>")
    rows.append('<p class="muted">被拒收的文件没有加载：请报送方按数据契约更正后重新报送。</p>')
    return "".join(rows)


def render_index(result: GateResult, feeds: dict[str, FeedResult]) -> str:
    n_fail = sum(1 for fr in feeds.values() if fr.status != "no_deliveries" and fr.verdict == "fail")
    n_warn = sum(1 for fr in feeds.values() if fr.status != "no_deliveries" and fr.verdict == "warn")
    body = [
        f"<p>最近一次校验：{e(local_time(result.run_time))}（北京时间），"
        f'校验运行 <span class="id">{e(result.run_id)}</span>。'
        f"<b>{n_fail}</b> 个数据集{e(VERDICT['fail'])}，<b>{n_warn}</b> 个数据集{e(VERDICT['warn'])}。</p>",
        _legend(),
        "<p>严重问题会阻断读取该数据集的模型和规则：它们保留上次的结果（未评估的规则见 "
        "quality.rules_not_evaluated），其他一切照常构建。</p>",
        "<h2>数据集 — Feeds</h2><table><tr><th>数据集</th><th>结论</th><th>严重问题 / 检查项</th>"
        "<th>警告 / 检查项</th><th>行数</th><th>交付数</th><th>未通过的交付</th>"
        "<th>有警告的交付</th><th>校验时间（北京时间）</th></tr>",
    ]
    for name in FEEDS:
        fr = feeds.get(name)
        if fr is None:
            body.append(
                f'<tr><td>{e(feed_label(name))}</td><td class="not_validated" colspan="8">'
                f"{e(VERDICT['not_validated'])}</td></tr>"
            )
            continue
        verdict = "none" if fr.status == "no_deliveries" else fr.verdict
        body.append(
            f'<tr><td><a href="{e(fr.page)}">{e(feed_label(name))}</a></td>'
            f'<td class="{verdict}">{e(verdict_label(verdict))}</td>'
            f"<td class=num>{fr.critical_failed} / {fr.critical_evaluated}</td>"
            f"<td class=num>{fr.warning_failed} / {fr.warning_evaluated}</td>"
            f"<td class=num>{fr.rows:,}</td><td class=num>{len(fr.batches)}</td>"
            f"<td class=num>{sum(1 for b in fr.batches if b.verdict == 'fail')}</td>"
            f"<td class=num>{sum(1 for b in fr.batches if b.verdict == 'warn')}</td>"
            f"<td>{e(local_time(fr.validated_at))}</td></tr>"
        )
    body.append("</table>")
    attention = [(name, b) for name, fr in feeds.items() for b in fr.batches if b.verdict != "pass"]
    attention.sort(key=lambda x: (x[1].verdict != "fail", x[0], x[1].info.period or ""))
    body.append(f"<h2>需要关注的交付（{len(attention)}）— Deliveries needing attention</h2>")
    body.append(_deliveries_table(attention, prefix="", feed_col="feed") if attention else "<p>无。</p>")
    refused = [{**r, "file": r["file"]} for fr in feeds.values() for r in fr.refused]
    if refused:
        body.append(_refused_table(refused, f"被拒收的文件（{len(refused)}）：未加载 — Refused files"))
    if result.unrecognised:
        body.append(
            _refused_table(
                result.unrecognised, f"不属于任何数据集的文件（{len(result.unrecognised)}）— Unrecognised files"
            )
        )
    body.append('<p class="muted">每份交付都有自己的页面，列在其数据集页面上。</p>')
    return _page("数据质量报告 — Data quality（医保基金监管）", "".join(body), depth=0)


# --------------------------------------------------------------------------------- publish


def publish(result: GateResult) -> None:
    """Write this run's results and rebuild the site (other feeds keep their latest results)."""
    site = result.site_root
    # an earlier version built GX's own Data Docs here: they load scripts from the internet and
    # call warned feeds "Failed", so they must not linger next to these pages
    shutil.rmtree(site / "gx", ignore_errors=True)
    results_dir = site / "results"
    results_dir.mkdir(parents=True, exist_ok=True)

    for feed, fr in result.feeds.items():
        fr.page = f"feeds/{feed}.html"
        batch_dir = site / "batches" / feed
        keep = set()
        index = findings_by_batch(fr)
        for bv in fr.batches:
            bv.page = batch_page_path(feed, bv.info.batch_id)
            keep.add(Path(bv.page).name)
            if bv.carried and (site / bv.page).exists():
                continue  # the page of the validation whose verdict this run kept
            _write(site / bv.page, render_batch(fr, bv, index.get(bv.info.batch_id, {})))
        if batch_dir.exists():
            for stale in batch_dir.glob("*.html"):
                if stale.name not in keep:
                    stale.unlink()
        _write(results_dir / f"{feed}.json", json.dumps(fr.to_dict(), ensure_ascii=False, default=str))

    feeds: dict[str, FeedResult] = {}
    for p in sorted(results_dir.glob("*.json")):
        if p.name.endswith(".gx.json"):
            continue
        feed = p.stem
        if feed in result.feeds:
            feeds[feed] = result.feeds[feed]
        elif feed in FEEDS:
            try:
                feeds[feed] = FeedResult.from_dict(json.loads(p.read_text(encoding="utf-8")))
            except Exception:  # noqa: BLE001 - an old result format: drop it from the index
                logger.warning("ignoring unreadable result %s", p)
    for feed, fr in feeds.items():
        _write(site / f"feeds/{feed}.html", render_feed(fr))
    _write(site / "index.html", render_index(result, feeds))


def write_gx_results(result: GateResult, gx_results: dict) -> None:
    """Keep each feed's latest (scrubbed) GX validation result as JSON, for engineers."""
    results_dir = result.site_root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    for feed in result.feeds:
        gx_path = results_dir / f"{feed}.gx.json"
        if feed in gx_results:
            _write(gx_path, json.dumps(gx_results[feed].to_json_dict(), ensure_ascii=False, default=str))
        elif gx_path.exists():
            gx_path.unlink()


# ------------------------------------------------------------------------------ scanning

# bounded by anything but letters, digits and '.': hashes (hex) and floats are not identifiers
_B, _E = r"(?<![0-9A-Za-z.])", r"(?![0-9A-Za-z]|\.[0-9])"
_ID18 = re.compile(_B + r"[1-9][0-9]{16}[0-9Xx]" + _E)
_ID15 = re.compile(_B + r"[1-9][0-9]{14}" + _E)
_MOBILE = re.compile(_B + r"1[3-9][0-9]{9}" + _E)


def scan_for_identifiers(root: Path, names: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """(file, kind, match) for every 18-digit 身份证号 with a valid check digit, 15-digit ID,
    mobile number, or one of ``names``, in every text file under ``root``."""
    hits = []
    for p in sorted(Path(root).rglob("*")):
        if not p.is_file() or p.suffix.lower() not in (".html", ".json", ".js", ".css", ".txt", ".md", ""):
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        for m in _ID18.finditer(text):
            if certno_valid(m.group()):
                hits.append((str(p), "id18", m.group()))
        hits += [(str(p), "id15", m.group()) for m in _ID15.finditer(text)]
        hits += [(str(p), "mobile", m.group()) for m in _MOBILE.finditer(text)]
        hits += [(str(p), "name", n) for n in names if n and n in text]
    return hits
