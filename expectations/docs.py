"""The quality site under ``<YIBAO_OUTPUT_DIR>/quality/``, rebuilt on every gate run.

    quality/index.html                     start here: every feed, every delivery needing attention
    quality/feeds/<feed>.html              one feed: its checks, failures and deliveries
    quality/batches/<feed>/<batch_id>.html one page per delivered batch (file): what was checked,
                                           what failed, how many rows, which lines, what to do
    quality/gx/index.html                  GX Data Docs: one validation page per feed, the suites
    quality/results/<feed>.json            latest gate result per feed (counts, no values)
    quality/results/<feed>.gx.json         latest GX validation result per feed (scrubbed)

Per-batch pages are rendered here, not by GX: GX renders one page per *validation*, and a
validation per delivered file costs ~0.2 s of GX overhead (×1,000–2,500 files at scale 1);
rendering our page costs well under a millisecond. The GX pages stay for the feed-level view
(GX's own rendering of every expectation and its observed values).

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
from ingest.check_digits import certno_valid
from ingest.specs import FEEDS

logger = logging.getLogger(__name__)

CSS = """
body{font-family:-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;font-size:.9em}th{background:#f3f3f3;text-align:left}
.fail{background:#f8d7da}.warn{background:#fff3cd}.pass{background:#d4edda}.none{background:#eee}
.badge{padding:.1em .5em;border-radius:.3em;font-weight:bold}code{font-size:.9em}.muted{color:#666}
"""

VERDICT_LABEL = {"fail": "FAILED (blocking)", "warn": "passed with warnings", "pass": "passed", "none": "no deliveries"}


def e(x) -> str:
    return html.escape("" if x is None else str(x))


def _page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f'<style>{CSS}</style></head><body><p class="muted"><a href="{up}index.html">quality index</a>'
        f' · <a href="{up}gx/index.html">GX Data Docs</a></p><h1>{e(title)}</h1>{body}</body></html>'
    )


def _badge(verdict: str) -> str:
    return f'<span class="badge {e(verdict)}">{e(VERDICT_LABEL.get(verdict, verdict))}</span>'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def batch_page_path(feed: str, batch_id: str) -> str:
    return f"batches/{feed}/{batch_id}.html"


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
        ("feed", f"{fr.feed} ({fr.label_zh})"),
        ("file", info.file),
        ("sender", info.sender),
        ("period", info.period),
        ("seq", info.seq or ""),
        ("batch_id", info.batch_id),
        ("sha256", info.sha256),
        ("loaded at", info.loaded_at),
        ("rows read", info.rows_read),
        ("rows loaded", info.rows_loaded),
        ("rows quarantined", info.rows_quarantined),
        ("rows validated (in raw)", info.rows_in_raw),
        (
            "checked",
            f"{bv.critical_evaluated} critical + {bv.warning_evaluated} warning expectations "
            f"(suite {fr.suite}, {fr.fingerprint}) in gate run {fr.run_id} at {fr.validated_at}",
        ),
    ]
    body = [
        f"<p>{_badge(bv.verdict)} — {bv.critical_failed} critical and {bv.warning_failed} warning "
        f"expectations failed for this delivery.</p><table>"
    ]
    body += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts]
    body.append("</table>")
    failed = [o for o in fr.outcomes if o.check_id in findings]
    if failed:
        body.append(
            "<h2>What failed</h2><table><tr><th>severity</th><th>check</th><th>rows</th>"
            "<th>lines (first)</th><th>sample values</th><th>what to do</th></tr>"
        )
        for o in sorted(failed, key=lambda o: (o.severity != CRITICAL, o.check_id)):
            b = findings[o.check_id]
            cls = "fail" if o.severity == CRITICAL else "warn"
            rows = "all (table-level)" if o.attribution == "table" or o.error else f"{b.unexpected:,}"
            why = o.error and f"could not be evaluated: {o.error}" or (o.detail or "")
            samples = "counts only (sensitive)" if o.sensitive else ", ".join(b.samples)
            body.append(
                f'<tr class="{cls}"><td>{e(o.severity)}</td><td><code>{e(o.check_id)}</code><br>{e(o.title)}'
                f"{'<br><i>' + e(why) + '</i>' if why else ''}</td><td>{e(rows)}</td>"
                f"<td>{e(', '.join(map(str, b.lines)))}</td><td>{e(samples)}</td><td>{e(o.remedy)}</td></tr>"
            )
        body.append("</table>")
    body.append(
        "<h2>Everything that was checked</h2><table><tr><th>severity</th><th>check</th>"
        "<th>result for this delivery</th></tr>"
    )
    for o in fr.outcomes:
        bad = o.check_id in findings
        body.append(
            f"<tr><td>{e(o.severity)}</td><td><code>{e(o.check_id)}</code> {e(o.title)}</td>"
            f'<td class="{"fail" if bad and o.severity == CRITICAL else "warn" if bad else "pass"}">'
            f"{'failed' if bad else 'passed'}</td></tr>"
        )
    body.append("</table>")
    return _page(f"{fr.feed} · {info.file or info.batch_id}", "".join(body), depth=2)


def render_feed(fr: FeedResult) -> str:
    if fr.status == "no_deliveries":
        return _page(f"{fr.feed} ({fr.label_zh})", "<p>No loaded deliveries.</p>", depth=1)
    body = [
        f"<p>{_badge(fr.verdict)} — suite <code>{e(fr.suite)}</code> ({e(fr.fingerprint)}), gate run "
        f"{e(fr.run_id)} at {e(fr.validated_at)}: {fr.rows:,} rows in {len(fr.batches)} deliveries; "
        f"critical {fr.critical_failed}/{fr.critical_evaluated} failed, warning "
        f"{fr.warning_failed}/{fr.warning_evaluated} failed.</p>"
    ]
    if fr.gx_page:
        body.append(f'<p>GX validation page: <a href="../{e(fr.gx_page)}">{e(fr.gx_page)}</a></p>')
    if fr.error:
        body.append(f'<p class="fail">The gate could not validate this feed: {e(fr.error)}</p>')
    msgs = fr.messages()
    if fr.refused:
        body.append(
            _refused_table(fr.refused, f"Refused deliveries ({len(fr.refused)}): never loaded, so never validated")
        )
    if msgs:
        body.append("<h2>Failures</h2><ul>" + "".join(f"<li>{e(m)}</li>" for m in msgs) + "</ul>")
    body.append(
        "<h2>Checks</h2><table><tr><th>severity</th><th>check</th><th>category</th><th>result</th>"
        "<th>unexpected</th><th>deliveries</th></tr>"
    )
    for o in fr.outcomes:
        cls = "pass" if o.success else ("fail" if o.severity == CRITICAL else "warn")
        body.append(
            f"<tr><td>{e(o.severity)}</td><td><code>{e(o.check_id)}</code> {e(o.title)}</td>"
            f'<td>{e(o.category)}</td><td class="{cls}">{"passed" if o.success else "failed"}</td>'
            f"<td>{o.unexpected:,}</td><td>{len(o.batches) if not o.success else ''}</td></tr>"
        )
    body.append("</table>")
    body.append(_deliveries_table(fr.batches, prefix="../"))
    return _page(f"{fr.feed} ({fr.label_zh})", "".join(body), depth=1)


def _deliveries_table(batches, prefix: str, feed_col: str | None = None) -> str:
    rows = [
        "<table><tr>" + ("<th>feed</th>" if feed_col else "") + "<th>period</th><th>file</th>"
        "<th>rows</th><th>quarantined</th><th>critical failed</th><th>warnings</th><th>verdict</th></tr>"
    ]
    for feed, bv in batches if feed_col else ((None, b) for b in batches):
        i = bv.info
        link = f'<a href="{prefix}{e(bv.page)}">{e(i.file or i.batch_id)}</a>' if bv.page else e(i.file)
        rows.append(
            "<tr>" + (f"<td>{e(feed)}</td>" if feed_col else "") + f"<td>{e(i.period)}</td><td>{link}</td>"
            f"<td>{e(i.rows_read if i.rows_read is not None else i.rows_in_raw)}</td>"
            f"<td>{e(i.rows_quarantined)}</td><td>{bv.critical_failed}</td><td>{bv.warning_failed}</td>"
            f'<td class="{e(bv.verdict)}">{e(bv.verdict)}</td></tr>'
        )
    rows.append("</table>")
    return "".join(rows)


def _refused_table(refused: list[dict], title: str) -> str:
    rows = [f"<h2>{e(title)}</h2><table><tr><th>file</th><th>why</th><th>line</th><th>column</th></tr>"]
    rows += [
        f'<tr class="fail"><td>{e(r["file"])}</td><td>{e(r["message"])}</td><td>{e(r["error_line"])}</td>'
        f"<td>{e(r['error_column'])}</td></tr>"
        for r in refused
    ]
    rows.append("</table>")
    return "".join(rows)


def render_index(result: GateResult, feeds: dict[str, FeedResult]) -> str:
    body = [
        f"<p>Gate run <b>{e(result.run_id)}</b> at {e(result.run_time)} on {e(result.warehouse)}. "
        "A critical failure blocks what reads its feed: the models and rules on that feed keep "
        "their last build (the rules not evaluated are listed in quality.rules_not_evaluated), "
        "everything else is built; warnings are reported and do not block. Sensitive columns "
        "(身份证号, names, phone numbers, 经办人) are reported as counts only.</p>",
        "<h2>Feeds</h2><table><tr><th>feed</th><th>verdict</th><th>critical failed / evaluated</th>"
        "<th>warnings failed / evaluated</th><th>rows</th><th>deliveries</th><th>failing</th>"
        "<th>with warnings</th><th>validated</th></tr>",
    ]
    for name in FEEDS:
        fr = feeds.get(name)
        if fr is None:
            body.append(f'<tr><td>{e(name)}</td><td class="none" colspan="8">not validated yet</td></tr>')
            continue
        verdict = "none" if fr.status == "no_deliveries" else fr.verdict
        body.append(
            f'<tr><td><a href="{e(fr.page)}">{e(name)}</a> {e(fr.label_zh)}</td>'
            f'<td class="{verdict}">{e(VERDICT_LABEL[verdict])}</td>'
            f"<td>{fr.critical_failed} / {fr.critical_evaluated}</td>"
            f"<td>{fr.warning_failed} / {fr.warning_evaluated}</td>"
            f"<td>{fr.rows:,}</td><td>{len(fr.batches)}</td>"
            f"<td>{sum(1 for b in fr.batches if b.verdict == 'fail')}</td>"
            f"<td>{sum(1 for b in fr.batches if b.verdict == 'warn')}</td><td>{e(fr.validated_at)}</td></tr>"
        )
    body.append("</table>")
    attention = [(name, b) for name, fr in feeds.items() for b in fr.batches if b.verdict != "pass"]
    attention.sort(key=lambda x: (x[1].verdict != "fail", x[0], x[1].info.period or ""))
    body.append(f"<h2>Deliveries needing attention ({len(attention)})</h2>")
    body.append(_deliveries_table(attention, prefix="", feed_col="feed") if attention else "<p>None.</p>")
    refused = [{**r, "file": r["file"]} for fr in feeds.values() for r in fr.refused]
    if refused:
        body.append(_refused_table(refused, f"Refused deliveries ({len(refused)}): never loaded"))
    if result.unrecognised:
        body.append(_refused_table(result.unrecognised, f"Files that belong to no feed ({len(result.unrecognised)})"))
    body.append("<p>Every delivery has its own page, listed on its feed's page.</p>")
    return _page("医保基金监管 — data quality (数据质量)", "".join(body), depth=0)


# --------------------------------------------------------------------------------- publish


def _gx_site(site_root: Path, gx_results: dict, checks_by_feed: dict) -> dict[str, str]:
    """Rebuild quality/gx/ with GX's own site builder; returns {feed: page path rel. to site_root}."""
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from expectations.suites import build_suite

    gx_dir = site_root / "gx"
    shutil.rmtree(gx_dir, ignore_errors=True)
    ctx = gx.get_context(mode="ephemeral")
    ctx.add_data_docs_site(
        "quality",
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(gx_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    keys = {}
    for feed, res in gx_results.items():
        if isinstance(res, dict):
            res = expectationSuiteValidationResultSchema.load(res)
        if feed in checks_by_feed:
            ctx.suites.add(build_suite(feed, checks_by_feed[feed]))
        run_id = res.meta.get("run_id")
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=res.suite_name),
            run_id=run_id,
            batch_identifier=feed,
        )
        ctx.validation_results_store.set(key, res)
        keys[feed] = key
    ctx.build_data_docs(site_names=["quality"])
    pages = {}
    for feed, key in keys.items():
        run_id = key.run_id
        rel = Path(
            "gx",
            "validations",
            *key.expectation_suite_identifier.to_tuple(),
            run_id.run_name or "__none__",
            run_id.to_tuple()[1],
            f"{feed}.html",
        )
        if (site_root / rel).exists():
            pages[feed] = rel.as_posix()
        else:  # fall back to searching (GX's layout is an implementation detail)
            found = sorted(gx_dir.glob(f"validations/**/{feed}.html"))
            if found:
                pages[feed] = found[-1].relative_to(site_root).as_posix()
    return pages


def publish(result: GateResult, gx_results: dict, checks_by_feed: dict) -> None:
    """Write this run's results and rebuild the site (other feeds keep their latest results)."""
    from expectations.suites import checks_for

    site = result.site_root
    results_dir = site / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    for feed in result.feeds:
        gx_path = results_dir / f"{feed}.gx.json"
        if feed in gx_results:
            _write(gx_path, json.dumps(gx_results[feed].to_json_dict(), ensure_ascii=False, default=str))
        elif gx_path.exists():
            gx_path.unlink()

    # latest GX results of every feed (this run's, and earlier runs' for the others)
    all_gx: dict = dict(gx_results)
    for p in sorted(results_dir.glob("*.gx.json")):
        feed = p.name[: -len(".gx.json")]
        if feed in FEEDS and feed not in all_gx:
            all_gx[feed] = json.loads(p.read_text(encoding="utf-8"))
            checks_by_feed.setdefault(feed, checks_for(feed))
    try:
        gx_pages = _gx_site(site, all_gx, checks_by_feed)
    except Exception:  # noqa: BLE001 - the gate's verdict must not depend on the GX renderer
        logger.exception("building the GX Data Docs failed; the quality pages are still written")
        gx_pages = {}

    for feed, fr in result.feeds.items():
        fr.gx_page = gx_pages.get(feed)
        fr.page = f"feeds/{feed}.html"
        batch_dir = site / "batches" / feed
        keep = set()
        index = findings_by_batch(fr)
        for bv in fr.batches:
            bv.page = batch_page_path(feed, bv.info.batch_id)
            keep.add(Path(bv.page).name)
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
                feeds[feed].gx_page = gx_pages.get(feed, feeds[feed].gx_page)
            except Exception:  # noqa: BLE001 - an old result format: drop it from the index
                logger.warning("ignoring unreadable result %s", p)
    for feed, fr in feeds.items():
        _write(site / f"feeds/{feed}.html", render_feed(fr))
    _write(site / "index.html", render_index(result, feeds))


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
