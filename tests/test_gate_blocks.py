"""The quality gate in Dagster: a critical failure blocks by lineage; warnings do not block.

One pharmacy-sale delivery fails a critical expectation (a unit price of 200 million yuan). What reads
``phar_sale`` stays out of the build and its rules keep their hits from their last evaluation;
everything else is built and screened exactly as on the clean sample. A correction of the file
brings every rule back to the clean run's hits.
"""

from __future__ import annotations

import os
import shutil

import dagster as dg
import duckdb
import pytest

from ingest.specs import FEEDS
from tests.conftest import TEST_SECRET

# a second Dagster run of the whole sample and its correction (≈ 4 min): make test-slow
pytestmark = pytest.mark.slow

BROKEN_FEED = "phar_sale"


def _run_job(landing, base):
    env = {
        "YIBAO_LANDING_DIR": str(landing),
        "YIBAO_WAREHOUSE": str(base / "wh.duckdb"),
        "YIBAO_OUTPUT_DIR": str(base / "out"),
        "YIBAO_PSN_KEY_SECRET": TEST_SECRET,
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from orchestration.definitions import defs

        with dg.instance_for_test() as instance:
            return defs.resolve_job_def("materialize_all").execute_in_process(instance=instance, raise_on_error=False)
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def _query(base, sql):
    con = duckdb.connect(str(base / "wh.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def broken_run(sample_tree, dbt_manifest, tmp_path_factory):
    landing, _ = sample_tree
    base = tmp_path_factory.mktemp("broken")
    broken = base / "landing"
    shutil.copytree(landing, broken)
    # one pharmacy sale priced in 分 ×10^6 (a unit error): a critical failure of the whole delivery
    sale_file = sorted((broken / BROKEN_FEED).rglob("*.csv"))[0]
    original = sale_file.read_bytes()
    lines = original.decode("utf-8-sig").split("\n")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("最终成交单价")] = '"200000000"'
    lines[1] = ",".join(cells)
    sale_file.write_bytes(("\ufeff" + "\n".join(lines)).encode("utf-8"))
    result = _run_job(broken, base)
    return {
        "result": result,
        "base": base,
        "landing": broken,
        "file": sale_file,
        "original": original,
        "sale_file": sale_file.relative_to(broken).as_posix(),
        "period": sale_file.parent.name,
    }


def _check_evals(result):
    return {
        (e.asset_key.path[-1], e.check_name): e
        for e in (ev.event_specific_data for ev in result.all_events if ev.event_type_value == "ASSET_CHECK_EVALUATION")
    }


def _materialised(result):
    return {
        tuple(ev.event_specific_data.materialization.asset_key.path)
        for ev in result.all_events
        if ev.event_type_value == "ASSET_MATERIALIZATION"
    }


def _blocked(dbt_manifest):
    from orchestration.lineage import blocked_by, load_manifest

    return blocked_by(load_manifest(dbt_manifest), [BROKEN_FEED])


def test_critical_failure_fails_the_check_with_a_clear_message(broken_run):
    evals = _check_evals(broken_run["result"])
    crit = evals[(BROKEN_FEED, "quality_critical")]
    assert not crit.passed
    md = crit.metadata
    assert md["critical_failed"].value >= 1
    assert broken_run["sale_file"] in md["failures_md"].value
    # other feeds passed their critical checks; the gate recorded every verdict
    assert evals[("psn", "quality_critical")].passed
    assert evals[(BROKEN_FEED, "quality_recorded")].passed
    assert broken_run["result"].success


def test_lineage_names_the_rules_that_read_the_feed(dbt_manifest):
    blocked = _blocked(dbt_manifest)
    # R17 (sale without purchase) and R19 (oversupply) read pharmacy sales; R01 (duplicate charge),
    # R05 (split admission) and R20 (card swiping) read fee lines and stays only
    assert {"R17", "R19"} <= set(blocked.rules)
    assert not {"R01", "R05", "R20"} & set(blocked.rules)
    names = set(blocked.nodes.values())
    assert {"stg_pharmacy__sales", "fct_pharmacy_sale", "vio_r17_no_purchase_record"} <= names
    assert not {"fct_rule_hits", "fct_visit", "fct_fee_line", "mart_clues"} & names


def test_what_reads_the_feed_is_left_out_and_the_rest_is_built(broken_run, dbt_manifest):
    blocked = _blocked(dbt_manifest)
    left_out = {n for uid, n in blocked.nodes.items() if uid.startswith("model.")}
    materialised = {k[-1] for k in _materialised(broken_run["result"])}
    assert ("raw", BROKEN_FEED) in _materialised(broken_run["result"])
    assert not materialised & left_out
    assert {
        "fct_visit",
        "fct_fee_line",
        "fct_rule_hits",
        "mart_clues",
        "vio_r01_duplicate_charge",
        "vio_r20_card_swiping",
    } <= materialised
    relations = {r[0] for r in _query(broken_run["base"], "select table_name from information_schema.tables")}
    assert "fct_pharmacy_sale" not in relations and "vio_r17_no_purchase_record" not in relations
    assert {"fct_fee_line", "fct_rule_hits", "mart_clues"} <= relations


def test_rules_not_reading_the_feed_hit_as_on_the_clean_sample(broken_run, pipeline_run, dbt_manifest):
    blocked = set(_blocked(dbt_manifest).rules)
    sql = "select rule_code, hit_id, suspect_amount from supervision.fct_rule_hits order by 1, 2"
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        clean = [r for r in con.execute(sql).fetchall() if r[0] not in blocked]
    finally:
        con.close()
    got = _query(broken_run["base"], sql)
    assert {r[0] for r in got} == {r[0] for r in clean}  # no hit of a blocked rule (first run: none kept)
    assert got == clean
    assert len({r[0] for r in clean}) >= 8


def test_the_rules_not_evaluated_are_named_with_the_failing_delivery(broken_run, dbt_manifest):
    blocked = _blocked(dbt_manifest)
    rows = _query(
        broken_run["base"],
        "select rule_code, feed, period, file, failed_checks from quality.rules_not_evaluated order by 1",
    )
    assert {r[0] for r in rows} == set(blocked.rules)
    assert {(r[1], r[2], r[3]) for r in rows} == {(BROKEN_FEED, broken_run["period"], broken_run["sale_file"])}
    assert all("finl_trns_pric_hard_limit" in r[4] for r in rows)
    period = broken_run["period"]
    quarter = f"{period[:4]}Q{(int(period[4:]) - 1) // 3 + 1}"
    report = _query(
        broken_run["base"],
        "select year_quarter, rule_code, feed, failed_delivery_count from reporting.rpt_rules_not_evaluated",
    )
    assert {(q, f, n) for q, _, f, n in report} == {(quarter, BROKEN_FEED, 1)}
    assert {r[1] for r in report} == set(blocked.rules)
    last_run = dict(_query(broken_run["base"], "select rule_code, evaluated from build_state.fct_rule_hits__last_run"))
    assert last_run["R17"].startswith("not evaluated: phar_sale")
    assert last_run["R01"] == "all hits"


def test_the_quarterly_report_says_which_rules_were_not_evaluated(broken_run, dbt_manifest, tmp_path):
    import pandas as pd

    from reporting import render_html, render_workbook

    period = broken_run["period"]
    quarter = f"{period[:4]}Q{(int(period[4:]) - 1) // 3 + 1}"
    con = duckdb.connect(str(broken_run["base"] / "wh.duckdb"), read_only=True)
    try:
        xlsx = render_workbook(con, quarter, tmp_path, dbt_manifest)
        page = render_html(con, quarter, tmp_path, dbt_manifest).read_text(encoding="utf-8")
    finally:
        con.close()
    sheet = pd.read_excel(xlsx, sheet_name="数据质量", engine="calamine", header=None)
    cells = {c for c in sheet.to_numpy().ravel().tolist() if isinstance(c, str)}
    assert any(c.startswith("未评估规则") for c in cells)
    # the feed by its Chinese name, never its code (the 通报 shows no technical names)
    assert {"R17", "R19", FEEDS[BROKEN_FEED].label_zh, "规则编号"} <= cells and BROKEN_FEED not in cells
    assert "未评估规则" in page and "R17" in page


def test_data_docs_show_the_failure_without_identifiers(broken_run):
    from expectations.docs import scan_for_identifiers

    site = broken_run["base"] / "out" / "quality"
    pages = list(site.rglob("*.html"))
    assert pages
    feed_pages = [p for p in pages if BROKEN_FEED in p.as_posix()]
    assert any("fail" in p.read_text(encoding="utf-8").lower() for p in feed_pages)
    people = _query(broken_run["base"], "select certno, psn_name, tel from raw.psn")
    names = tuple(sorted({p[1] for p in people if p[1]}))
    assert scan_for_identifiers(site, names) == []
    text = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".json"))
    leaked = [v for row in people for v in (row[0], row[2]) if v and v in text]
    assert not leaked


def test_delivery_quality_table_names_the_failed_file(broken_run):
    rows = dict(_query(broken_run["base"], "select file, verdict from quality.delivery_quality"))
    assert rows[broken_run["sale_file"]] == "fail"
    assert sum(1 for v in rows.values() if v == "fail") == 1


# last: it corrects the delivery in place
def test_a_correction_brings_every_rule_back(broken_run, pipeline_run):
    broken_run["file"].write_bytes(broken_run["original"])  # the sender re-delivers the file, corrected
    result = _run_job(broken_run["landing"], broken_run["base"])
    assert result.success
    assert _check_evals(result)[(BROKEN_FEED, "quality_critical")].passed
    sql = "select rule_code, hit_id, suspect_amount from supervision.fct_rule_hits order by 1, 2"
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        clean = con.execute(sql).fetchall()
    finally:
        con.close()
    assert _query(broken_run["base"], sql) == clean
    assert _query(broken_run["base"], "select count(*) from quality.rules_not_evaluated") == [(0,)]
