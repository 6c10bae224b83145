"""The quality gate (expectations/): DuckDB compatibility, suites, per-delivery results, Data Docs.

Real data flows through the real loader into a real DuckDB file; GX runs on it through the
compatibility layer. The landing tree is written here (small and hand-checked) so every number a
test asserts can be worked out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.check_digits import certno_check_char, uscc_check_char
from tests.helpers import load

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

TODAY = dt.date(2024, 4, 15)
CENTRE = "320100"

# ----------------------------------------------------------------------------- fixtures data


def certno(area: str, birth: str, seq: int, male: bool) -> str:
    """A valid 18-digit 身份证号: 17th digit odd for men, even for women."""
    s = seq * 10 + (1 if male else 2) % 10
    body = f"{area}{birth}{s:03d}"
    return body + certno_check_char(body)


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


PERSONS = [
    # psn_no, name, male, birth
    ("P0001", "张伟", True, "19800101"),
    ("P0002", "王芳", False, "19751230"),
    ("P0003", "李娜", False, "19900615"),
    ("P0004", "刘洋", True, "19601120"),
]
PHONES = ["13812345678", "13987654321", "15000001111", "0251234567"]
NAMES = tuple(p[1] for p in PERSONS)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def person_rows(gend_override: dict[str, str] | None = None, bad_certno: set[str] = frozenset()):
    rows = []
    for i, (psn_no, name, male, birth) in enumerate(PERSONS):
        cert = certno("320102", birth, i + 1, male)
        if psn_no in bad_certno:  # wrong check digit
            cert = cert[:17] + ("0" if cert[17] != "0" else "1")
        gend = (gend_override or {}).get(psn_no, "1" if male else "2")
        rows.append([psn_no, cert, name, gend, f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", "310", "320102", "", PHONES[i]])
    return rows


def fee_lines(setl_id: str, mdtrt_id: str, psn_no: str, hosp: str, day: str, items) -> list[list]:
    out = []
    for n, (code, cnt, pric) in enumerate(items, 1):
        amt = round(cnt * pric + 1e-9, 2)
        out.append(
            [
                f"{setl_id}-{n}",
                mdtrt_id,
                setl_id,
                psn_no,
                hosp,
                f"{day} 10:{n:02d}:00",
                code,
                "item",
                "01",
                "D001",
                amt,
                cnt,
                pric,
            ]
        )
    return out


def build_landing(
    root: Path,
    *,
    setl_total_delta: float = 0.0,
    gend_override=None,
    bad_certno=frozenset(),
    unknown_med_type: bool = False,
    extra_periods: int = 0,
) -> None:
    """A small consistent landing tree for period 202403 (plus ``extra_periods`` earlier months)."""
    p = "202403"
    _write_csv(
        root / f"fixmedins/{p}/{CENTRE}_fixmedins_{p}.csv",
        ["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "econ_type", "admdvs", "uscc"],
        [
            ["H001", "市第一人民医院", "1", "3", "1", "320102", uscc("12320100466000001")],
            ["H002", "社区卫生服务中心", "1", "1", "1", "320104", uscc("12320100466000002")],
            ["P001", "大药房", "2", "", "2", "320102", uscc("91320100MA1000001")],
        ],
    )
    _write_csv(
        root / f"psn/{p}/{CENTRE}_psn_{p}.csv",
        ["psn_no", "certno", "psn_name", "gend", "brdy", "insutype", "insu_admdvs", "die_date", "tel"],
        person_rows(gend_override, bad_certno),
    )
    _write_csv(
        root / f"hilist/{p}/{CENTRE}_hilist_{p}.csv",
        ["hilist_code", "hilist_name", "list_type", "chrgitm_lv", "med_chrgitm_type", "pric_uplmt_amt"],
        [
            ["X001", "阿莫西林胶囊", "101", "01", "09", "2.00"],
            ["X002", "血常规", "201", "01", "04", "30.00"],
            ["X003", "床位费", "201", "01", "01", "60.00"],
        ],
    )
    _write_csv(
        root / f"practitioner/{p}/{CENTRE}_practitioner_{p}.csv",
        ["dr_code", "dr_name", "fixmedins_code", "cert_status", "valid_from", "valid_to"],
        [["D001", "赵医生", "H001", "1", "2020-01-01", "2030-12-31"]],
    )
    visits = [  # mdtrt_id, psn, hosp, med_type, begin, end, diag, items
        ("M1", "P0001", "H001", "11", "2024-03-02", "2024-03-02", "J06.900", [("X001", 2, 1.5), ("X002", 1, 25.0)]),
        (
            "M2",
            "P0002",
            "H001",
            "21",
            "2024-03-05",
            "2024-03-09",
            "I67.800x001",
            [("X003", 4, 55.0), ("X001", 3.5, 1.37), ("X002", 2, 25.0)],
        ),
        ("M3", "P0003", "H002", "11", "2024-03-12", "2024-03-12", "E11.900", [("X001", 1, 1.5)]),
    ]
    mdtrt, setl, fees, diag = [], [], [], []
    for i, (m, psn, hosp, med_type, b, end, dx, items) in enumerate(visits):
        mdtrt.append(
            [
                m,
                psn,
                hosp,
                "99" if unknown_med_type and i == 0 else med_type,
                f"{b} 08:00:00",
                f"{end} 17:00:00",
                dx,
                "诊断",
                "D001",
                "1",
                "320102",
            ]
        )
        lines = fee_lines(f"S{i + 1}", m, psn, hosp, b, items)
        fees += lines
        total = round(sum(line[10] for line in lines), 2)
        if i == 1:
            total = round(total + setl_total_delta, 2)
        fund = round(total * 0.6, 2)
        acct = round(total * 0.1, 2)
        setl.append(
            [
                f"S{i + 1}",
                m,
                psn,
                hosp,
                f"{end} 17:30:00",
                total,
                fund,
                acct,
                round(total - fund - acct, 2),
                "01",
                "0",
                "",
            ]
        )
        diag.append([m, dx, "诊断", "1"])
    _write_csv(
        root / f"mdtrt/{p}/{CENTRE}_mdtrt_{p}.csv",
        [
            "mdtrt_id",
            "psn_no",
            "fixmedins_code",
            "med_type",
            "begntime",
            "endtime",
            "dscg_maindiag_code",
            "dscg_maindiag_name",
            "atddr_code",
            "dscg_way",
            "insu_admdvs",
        ],
        mdtrt,
    )
    _write_csv(
        root / f"setl/{p}/{CENTRE}_setl_{p}.csv",
        [
            "setl_id",
            "mdtrt_id",
            "psn_no",
            "fixmedins_code",
            "setl_time",
            "medfee_sumamt",
            "fund_pay_sumamt",
            "acct_pay",
            "psn_cash_pay",
            "mdtrt_cert_type",
            "refd_setl_flag",
            "init_setl_id",
        ],
        setl,
    )
    _write_csv(
        root / f"fee_list/{p}/{CENTRE}_fee_list_{p}.csv",
        [
            "feedetl_sn",
            "mdtrt_id",
            "setl_id",
            "psn_no",
            "fixmedins_code",
            "fee_ocur_time",
            "hilist_code",
            "hilist_name",
            "list_type",
            "bilg_dr_code",
            "det_item_fee_sumamt",
            "cnt",
            "pric",
        ],
        [line[:8] + ["101" if line[6] == "X001" else "201", "D001"] + line[10:] for line in fees],
    )
    _write_csv(
        root / f"setl_diag/{p}/{CENTRE}_setl_diag_{p}.csv",
        ["mdtrt_id", "diag_code", "diag_name", "maindiag_flag"],
        diag,
    )


def gate(warehouse: Path, out: Path, **kw):
    from expectations.runner import run_gate

    return run_gate(warehouse, out, today_=TODAY, **kw)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    base = tmp_path_factory.mktemp("clean")
    build_landing(base / "landing")
    load(base / "landing", base / "wh.duckdb", run_id="test")
    return base, gate(base / "wh.duckdb", base / "out")


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """Settlement S2 is 5 yuan more than its fee lines; P0002's gender contradicts the 身份证号;
    P0003's 身份证号 has a wrong check digit (the loader quarantines it); and a row with a wrong
    check digit written straight into raw.psn (as a loader defect would) — the gate's safety net."""
    base = tmp_path_factory.mktemp("broken")
    build_landing(base / "landing", setl_total_delta=5.0, gend_override={"P0002": "1"}, bad_certno={"P0003"})
    _write_csv(base / "landing/setl/202403/320100_setl_202403_2.csv", ["foo", "bar"], [["1", "2"]])  # refused
    load(base / "landing", base / "wh.duckdb", run_id="test")
    con = duckdb.connect(str(base / "wh.duckdb"))
    con.execute("""insert into raw.psn select * replace ('P0009' as psn_no, 5 as _line,
                   substr(certno, 1, 17) || case when substr(certno, 18, 1) = '0' then '1' else '0' end as certno)
                   from raw.psn where psn_no = 'P0001'""")
    con.close()
    return base, gate(base / "wh.duckdb", base / "out")


# ------------------------------------------------------------------------- compatibility


def test_compat_runs_gx_on_duckdb_read_only_and_releases_the_file(tmp_path):
    import great_expectations as gx

    from expectations import duckdb_compat

    wh = tmp_path / "w.duckdb"
    con = duckdb.connect(str(wh))
    con.execute(
        "create schema raw; create table raw.t as select i as id, 'x' || i as s, "
        "case when i % 10 = 0 then null else i end as n from range(100) r(i)"
    )
    con.close()
    ctx = gx.get_context(mode="ephemeral")
    ds = duckdb_compat.duckdb_datasource(ctx, "w", wh)
    try:
        batch = ds.add_query_asset("t", query="select * from raw.t").add_batch_definition_whole_table("b").get_batch()
        E = gx.expectations
        # without the persisted connection every metric fails with "list index out of range"
        assert batch.validate(E.ExpectColumnValuesToNotBeNull(column="n")).result["unexpected_count"] == 10
        # regex is "not supported for dialect duckdb" without the regexp_matches mapping
        r = batch.validate(E.ExpectColumnValuesToMatchRegex(column="s", regex=r"^x[0-9]$"))
        assert r.result["unexpected_count"] == 90 and not r.exception_info.get("raised_exception")
        r = batch.validate(E.ExpectColumnValuesToNotMatchRegex(column="s", regex=r"^x9"))
        assert r.result["unexpected_count"] == 11
        r = batch.validate(E.UnexpectedRowsExpectation(unexpected_rows_query="select id from {batch} where id > 95"))
        assert r.result["observed_value"] == 4
        # read-only: the gate cannot write the warehouse
        import sqlalchemy as sa

        with pytest.raises(Exception, match="(?i)read.only"):
            ds.get_execution_engine().execute_query(sa.text("create table raw.x (a int)"))
    finally:
        duckdb_compat.dispose_datasource(ds)
    # disposed: another process can take the writer lock
    code = f"import duckdb; c = duckdb.connect({str(wh)!r}); c.execute('create table raw.y (a int)'); c.close()"
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_compat_refuses_an_untested_gx_version(monkeypatch):
    import great_expectations as gx

    from expectations import duckdb_compat

    monkeypatch.setattr(duckdb_compat, "_installed", False)
    monkeypatch.setattr(gx, "__version__", "1.99.0")
    with pytest.raises(RuntimeError, match="great-expectations==1.24.1"):
        duckdb_compat.install()


# -------------------------------------------------------------------------------- suites


def test_every_feed_has_a_suite_with_severities_and_no_sensitive_values():
    from expectations.checks import CRITICAL, WARNING, code_tables
    from expectations.suites import checks_for
    from ingest.specs import FEEDS

    assert {"mdtrt.med_type", "psn.gend", "fee_list.list_type"} <= set(code_tables())
    for name, spec in FEEDS.items():
        checks = checks_for(name)
        assert {c.severity for c in checks} <= {CRITICAL, WARNING}
        ids = {c.id for c in checks}
        assert {f"{name}.schema.columns", f"{name}.schema.types", f"{name}.volume.usual_size"} <= ids
        assert all(f"{name}.required.{f}" in ids for f in spec.required)
        for c in checks:
            if c.kind != "rows":
                assert not set(c.columns) & set(spec.sensitive), c.id
                continue
            select_list = c.gx_kwargs["unexpected_rows_query"].lower().split(" from ")[0]
            for s in spec.sensitive:  # a sensitive column is never selected, only tested
                assert s not in select_list.replace("psn_no", ""), (c.id, s)
    ids = (
        {c.id for c in checks_for("setl")} | {c.id for c in checks_for("fee_list")} | {c.id for c in checks_for("psn")}
    )
    assert {
        "setl.arithmetic.total_eq_fee_lines",
        "setl.arithmetic.total_eq_fund_acct_cash",
        "fee_list.arithmetic.amount_eq_cnt_x_pric",
        "fee_list.reference.setl_id_in_setl",
        "psn.format.certno_check_digit",
        "psn.consistency.certno_brdy",
        "psn.consistency.certno_gend",
    } <= ids


# ------------------------------------------------------------------------------ the gate


def test_clean_delivery_passes_the_gate(clean):
    base, res = clean
    assert res.passed, [m for f in res.feeds.values() for m in f.messages()]
    validated = {f for f, fr in res.feeds.items() if fr.status == "validated"}
    assert validated == {"fixmedins", "psn", "hilist", "practitioner", "mdtrt", "setl", "fee_list", "setl_diag"}
    for fr in res.feeds.values():
        assert fr.critical_failed == 0 and fr.warning_failed == 0, fr.messages()
        for b in fr.batches:
            assert (res.site_root / b.page).exists() and b.verdict == "pass"
    md = res.feeds["setl"].check_metadata(res.site_root)
    assert md["verdict"] == "通过" and md["verdict_code"] == "pass"
    assert md["critical_failed"] == 0 and md["critical_evaluated"] > 10
    assert Path(md["data_docs_index_path"]).exists() and Path(md["data_docs_feed_path"]).exists()
    # GX's own Data Docs (CDN scripts, English, "Failed" for warnings) are not built
    assert res.docs_index.exists() and not (res.site_root / "gx").exists()
    assert (res.site_root / "results" / "setl.gx.json").exists()
    assert "quality gate 通过:" in res.summary()


def test_broken_delivery_fails_critical_checks_with_clear_messages(broken):
    base, res = broken
    assert not res.passed and set(res.blocked_feeds) == {"psn", "setl"}
    setl, psn, fee = res.feeds["setl"], res.feeds["psn"], res.feeds["fee_list"]
    assert fee.passed and not setl.passed and not psn.passed
    assert {o.check_id for o in setl.failures("critical")} == {"setl.arithmetic.total_eq_fee_lines"}
    (msg,) = setl.messages("critical")
    assert "setl/202403/320100_setl_202403.csv" in msg and "1 of 3 rows" in msg and "line 3" in msg
    assert "What to do" in msg and "S2: total" in setl.failures("critical")[0].batches[0].samples[0]
    assert {o.check_id for o in psn.failures("critical")} == {
        "psn.consistency.certno_gend",
        "psn.format.certno_check_digit",
    }
    gend = next(o for o in psn.outcomes if o.check_id == "psn.consistency.certno_gend")
    assert gend.unexpected == 1 and gend.batches[0].lines == [3] and gend.batches[0].samples == []
    # the quarantined 身份证 is reported (warning) with its reason code, never its value
    quarantined = next(o for o in psn.outcomes if o.check_id == "psn.delivery.quarantined_rows")
    assert quarantined.failed and quarantined.severity == "warning"
    assert any("invalid_certno_check_digit(certno)" in s for s in quarantined.batches[0].samples)
    md = setl.check_metadata(res.site_root)
    assert md["critical_failed"] == 1 and md["deliveries_failed"] == 1
    assert "setl.arithmetic.total_eq_fee_lines" in md["failures_md"]
    assert all(o.consistency_error is None for f in res.feeds.values() for o in f.outcomes)


def test_data_docs_show_the_failure_per_delivery(broken):
    base, res = broken
    (bv,) = res.feeds["setl"].batches
    page = (res.site_root / bv.page).read_text(encoding="utf-8")
    assert "未通过（阻断）" in page and "setl.arithmetic.total_eq_fee_lines" in page
    assert "setl/202403/320100_setl_202403.csv" in page
    # what was checked, how many rows, which line, what to do — in Chinese
    assert "结算的医疗费总额 = 同一期间报送的该结算全部费用明细金额之和" in page
    assert "1 行" in page and "第 3 行" in page and "请医保中心重新报送该期间的两个文件" in page
    feed_page = (res.site_root / res.feeds["setl"].page).read_text(encoding="utf-8")
    assert "问题行数：<b>1</b>，共 3 行" in feed_page and bv.page in feed_page
    index = res.docs_index.read_text(encoding="utf-8")
    assert bv.page in index and "未通过（阻断）" in index
    assert "quality gate 未通过（阻断）: psn, setl" in res.summary()
    # the refused file is on the site with the loader's reason
    assert [r["file"] for r in res.feeds["setl"].refused] == ["setl/202403/320100_setl_202403_2.csv"]
    assert "setl/202403/320100_setl_202403_2.csv" in index and "required column" in index


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S)))


def test_quality_pages_are_in_chinese_and_work_offline(broken):
    base, res = broken
    pages = sorted(res.site_root.rglob("*.html"))
    assert len(pages) == 1 + len(res.feeds) + sum(len(f.batches) for f in res.feeds.values())
    external = re.compile(
        r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I
    )
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not external.search(text), (page, external.search(text).group())
        assert "<script" not in text.lower() and "http://" not in text and "https://" not in text, page
        # every link stays inside the site and points at a page that exists
        for href in re.findall(r'href="([^"]+)"', text):
            assert (page.parent / href).resolve().is_file(), (page, href)
    index = _visible_text(res.docs_index.read_text(encoding="utf-8"))
    for heading in ("数据质量报告", "数据集 — Feeds", "需要关注的交付", "被拒收的文件", "结论 Verdict"):
        assert heading in index, heading
    assert "结算信息（setl）" in index and "参保人员（psn）" in index  # feeds by their Chinese names
    setl = res.feeds["setl"]
    feed_page = _visible_text((res.site_root / setl.page).read_text(encoding="utf-8"))
    for heading in (
        "数据质量 · 结算信息（setl）",
        "发现的问题",
        "全部检查",
        "各份交付",
        "处理建议",
        "【严重】",
        "【警告】",
    ):
        assert heading in feed_page, heading
    batch_page = _visible_text((res.site_root / setl.batches[0].page).read_text(encoding="utf-8"))
    for heading in ("发现的问题 — Findings", "全部检查", "检查内容", "问题行数", "行号", "处理建议", "2024年03月"):
        assert heading in batch_page, heading
    # times in Asia/Shanghai, without the ISO 'T' and offset
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）", feed_page)
    # the sensitive psn checks: counts and lines, a sentence instead of values
    psn_page = _visible_text((res.site_root / res.feeds["psn"].batches[0].page).read_text(encoding="utf-8"))
    assert "敏感字段：只报告数量和行号，不显示值" in psn_page and "性别与身份证号第 17 位一致" in psn_page
    assert "身份证号校验位错误：证件号码（certno）" in psn_page  # the quarantine reason code, in words


def test_every_check_reads_in_chinese_and_times_are_shanghai():
    from expectations.results import CheckOutcome
    from expectations.suites import checks_for
    from expectations.wording import VERDICT, check_text, has_chinese_text, local_time
    from ingest.specs import FEEDS

    for feed in FEEDS:
        for c in checks_for(feed):
            o = CheckOutcome.for_check(c)
            title, todo = check_text(o)
            assert has_chinese_text(o), c.id
            assert re.search("[\u4e00-\u9fff]", title) and re.search("[\u4e00-\u9fff]", todo), c.id
    assert local_time("2024-04-15T00:00:00+00:00") == "2024-04-15 08:00:00"
    assert local_time("2024-04-15 09:30:00") == "2024-04-15 09:30:00"  # the loader stamps Shanghai time
    assert VERDICT["warn"].startswith(VERDICT["pass"]) and "未通过" not in VERDICT["warn"]


def test_no_raw_identifier_in_the_site_or_stored_results(broken):
    from expectations.docs import scan_for_identifiers

    base, res = broken
    assert scan_for_identifiers(res.site_root, NAMES) == []
    text = "".join(p.read_text(encoding="utf-8") for p in res.site_root.rglob("*") if p.suffix in (".html", ".json"))
    for row in person_rows(bad_certno={"P0003"}):
        assert row[1] not in text and row[8] not in text  # 身份证号, phone (landline too)
    # the pages' own words never look like a person's name to the scanner (交付文件 holds 付文, a
    # name the sample generator can produce: the pipeline's privacy tests would flag it)
    from synthetic.world import GIVEN, SURNAMES

    every_two_character_name = tuple(s + g for s in SURNAMES for g in GIVEN)
    assert scan_for_identifiers(res.site_root, every_two_character_name) == []
    # the scanner itself finds what it must find
    probe = res.site_root.parent / "probe"
    probe.mkdir()
    (probe / "x.html").write_text(f"<td>{person_rows()[0][1]}</td><td>13812345678</td><td>张伟</td>", encoding="utf-8")
    assert {k for _, k, _ in scan_for_identifiers(probe, NAMES)} == {"id18", "mobile", "name"}
    shutil.rmtree(probe)


def test_warning_only_problem_is_reported_and_does_not_block(tmp_path):
    build_landing(tmp_path / "landing", unknown_med_type=True)
    # H001's stocktakes: 30 lines a month, then a 3-line delivery (far smaller than usual)
    for month, n in (("01", 30), ("02", 30), ("03", 30), ("04", 3)):
        _write_csv(
            tmp_path / f"landing/inv_stocktake/2024{month}/H001_inv_stocktake_2024{month}.csv",
            ["fixmedins_code", "med_list_codg", "invdate", "inv_cnt", "fixmedins_bchno"],
            [["H001", "X001", f"2024-{month}-01", "10", f"B{i}"] for i in range(n)],
        )
    load(tmp_path / "landing", tmp_path / "wh.duckdb", run_id="test")
    res = gate(tmp_path / "wh.duckdb", tmp_path / "out", feeds=["mdtrt", "setl", "fee_list", "inv_stocktake"])
    assert res.passed
    stock = res.feeds["inv_stocktake"]
    assert stock.passed and [o.check_id for o in stock.failures()] == ["inv_stocktake.volume.usual_size"]
    (msg,) = stock.messages()
    assert "1 unusual delivery: inv_stocktake/202404/H001_inv_stocktake_202404.csv (3 rows, usual 30" in msg
    assert [b.verdict for b in stock.batches] == ["pass", "pass", "pass", "warn"]
    mdtrt = res.feeds["mdtrt"]
    assert mdtrt.passed and mdtrt.verdict == "warn" and mdtrt.critical_failed == 0
    assert [o.check_id for o in mdtrt.failures()] == ["mdtrt.code.med_type"]
    assert mdtrt.failures()[0].batches[0].samples == ["99"]
    assert mdtrt.check_metadata()["warning_failed"] == 1
    (bv,) = mdtrt.batches
    assert bv.verdict == "warn"
    # one verdict wording everywhere a quality owner looks: passed with warnings, never "failed"
    assert mdtrt.check_metadata()["verdict"] == "通过（有警告）"
    assert "quality gate 通过（有警告）:" in res.summary() and "FAIL" not in res.summary().upper()
    index = res.docs_index.read_text(encoding="utf-8")
    row = re.search(r"<tr><td><a href=\"feeds/mdtrt.html\">.*?</tr>", index).group()
    assert "通过（有警告）" in row and "未通过" not in row
    for page in (res.site_root / bv.page, res.site_root / mdtrt.page):
        text = _visible_text(page.read_text(encoding="utf-8"))
        assert "通过（有警告）" in text and "发现问题（警告）" in text
        assert "未通过" not in text and "failed" not in text.lower(), page


def test_per_delivery_breakdown_agrees_with_gx_for_every_kind_of_check(clean, tmp_path):
    """Break one thing per kind of check in a copy of the clean warehouse: GX's count must equal
    the sum of the per-delivery breakdown (same semantics in the predicate / substitution)."""
    base, _ = clean
    wh = tmp_path / "wh.duckdb"
    shutil.copy(base / "wh.duckdb", wh)
    con = duckdb.connect(str(wh))
    con.execute("""
        update raw.fee_list set pric = -1 where feedetl_sn = 'S1-1';                       -- between, arithmetic
        update raw.fee_list set hilist_code = 'NOPE', list_type = '999' where feedetl_sn = 'S2-1';  -- reference, in_set
        update raw.fee_list set bilg_dr_code = null where feedetl_sn = 'S2-2';             -- not null (warning)
        update raw.fee_list set fee_ocur_time = timestamp '2024-05-30 10:00:00' where feedetl_sn = 'S3-1';  -- future, period
        insert into raw.fee_list select * replace (99 as _line) from raw.fee_list where feedetl_sn = 'S1-2';  -- key
        update raw.mdtrt set endtime = begntime - interval 1 day, dscg_maindiag_code = 'bad' where mdtrt_id = 'M1';
        update raw.psn set tel = '12345' where psn_no = 'P0004';                            -- sensitive rows check
        update raw.psn set certno = '12345' where psn_no = 'P0003';                         -- sensitive format
    """)
    con.close()
    res = gate(wh, tmp_path / "out", feeds=["fee_list", "mdtrt", "psn"])
    failed = {o.check_id: o for f in res.feeds.values() for o in f.failures()}
    expected = {
        "fee_list.plausibility.pric_ge_0",
        "fee_list.arithmetic.amount_eq_cnt_x_pric",
        "fee_list.reference.hilist_code_in_hilist",
        "fee_list.code.list_type",
        "fee_list.completeness.bilg_dr_code",
        "fee_list.date.fee_ocur_time_not_future",
        "fee_list.period.fee_ocur_time",
        "fee_list.key.unique_in_period",
        "mdtrt.order.begntime_le_endtime",
        "mdtrt.format.dscg_maindiag_code_icd10",
        "psn.format.tel",
        "psn.format.certno_format",
    }
    assert expected <= set(failed), expected - set(failed)
    for o in failed.values():
        assert o.error is None and o.consistency_error is None, (o.check_id, o.error, o.consistency_error)
        assert o.unexpected == sum(b.unexpected for b in o.batches) > 0
    assert failed["fee_list.key.unique_in_period"].unexpected == 2
    assert failed["psn.format.tel"].batches[0].samples == []  # sensitive: counts only
    assert not res.feeds["fee_list"].passed


def test_gate_scope_and_the_delivery_quality_table(broken, tmp_path):
    from expectations.quality import write_delivery_quality_file

    base, res = broken
    wh = tmp_path / "wh.duckdb"
    shutil.copy(base / "wh.duckdb", wh)
    assert write_delivery_quality_file(wh, res) == sum(len(f.batches) for f in res.feeds.values())
    write_delivery_quality_file(wh, res)  # idempotent
    con = duckdb.connect(str(wh))
    rows = con.execute("""select feed, verdict, critical_failed, warning_failed, rows_quarantined, docs_page
                          from quality.delivery_quality order by feed""").fetchall()
    n_manifest = con.execute("select count(*) from raw.load_manifest").fetchall()[0][0]
    con.close()
    assert len(rows) == n_manifest
    assert ("setl", "refused", None, None, None, None) in rows  # the refused file has its row too
    by_feed = {r[0]: r for r in rows if r[1] != "refused"}
    # setl: the arithmetic failure, and a warning (a settlement of the person whose row was quarantined)
    assert by_feed["setl"][1:4] == ("fail", 1, 1) and by_feed["psn"][1] == "fail" and by_feed["psn"][4] == 1
    assert by_feed["fee_list"][1:3] == ("warn", 0) and by_feed["setl"][5].startswith("batches/setl/")
    with pytest.raises(ValueError, match="16 hex"):
        gate(wh, tmp_path / "out", batch_ids=["x'); drop table raw.setl; --"])
    # a run over some feeds / batches keeps the other feeds' latest results on the site
    out = tmp_path / "out"
    shutil.copytree(res.site_root.parent, out)
    setl_batch = res.feeds["setl"].batches[0].info.batch_id
    only = gate(wh, out, feeds=["setl", "fee_list"], batch_ids=[setl_batch])
    assert [b.info.batch_id for b in only.feeds["setl"].batches] == [setl_batch]
    assert only.feeds["fee_list"].status == "no_deliveries" and not only.feeds["setl"].passed
    index = (out / "quality" / "index.html").read_text(encoding="utf-8")
    assert res.feeds["psn"].batches[0].page in index  # psn (not validated in this run) still listed
    assert (out / "quality" / res.feeds["psn"].batches[0].page).exists()


def test_a_check_that_cannot_run_fails_closed(clean, tmp_path):
    base, _ = clean
    wh = tmp_path / "wh.duckdb"
    shutil.copy(base / "wh.duckdb", wh)
    con = duckdb.connect(str(wh))
    con.execute("drop table raw.setl")  # fee lines now refer to a table that does not exist
    con.close()
    res = gate(wh, tmp_path / "out", feeds=["fee_list"])
    fee = res.feeds["fee_list"]
    ref = next(o for o in fee.outcomes if o.check_id == "fee_list.reference.setl_id_in_setl")
    assert ref.failed and ref.error and "could not be evaluated" in ref.message()
    assert not fee.passed and all(b.verdict == "fail" for b in fee.batches)
