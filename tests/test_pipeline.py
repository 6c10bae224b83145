"""End to end: Dagster materialises a generated landing tree through ingest and dbt.

Asserts the reconciliation promise (every delivered row is loaded or quarantined) and that every
rule of RULES.md finds exactly its injected cases and none of its near-misses.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from ingest.specs import FEEDS_LIST
from synthetic.scoring import format_table, read_truth, score

# every catalogued rule: a rule added to rule_catalogue.csv must come with injected cases and near-misses
with open(
    Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "knowledge_base" / "rule_catalogue.csv",
    encoding="utf-8",
    newline="",
) as _f:
    RULES_BUILT = sorted(row["rule_code"] for row in csv.DictReader(_f))


def count_rows(path: Path) -> int:
    """Rows in a delivered file, counted independently of the loader."""
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    if path.suffix == ".xlsx":
        wb = CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
        return sum(1 for r in rows[1:] if any(c not in (None, "") for c in r))
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    rows = list(csv.reader(text.splitlines()))
    return sum(1 for r in rows[1:] if r and any(c.strip() for c in r))


def test_run_succeeds(pipeline_run):
    assert pipeline_run["result"].success, [str(e.event_specific_data) for e in pipeline_run["failures"]]


def test_every_delivered_row_is_loaded_or_quarantined(pipeline_run):
    landing: Path = pipeline_run["landing"]
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        manifest = {
            r[0]: r[1:]
            for r in con.execute(
                "select file, status, rows_read, rows_loaded, rows_quarantined, feed from raw.load_manifest"
            ).fetchall()
        }
        files = sorted(p for p in landing.rglob("*") if p.is_file())
        assert files and len(manifest) == len(files)
        for p in files:
            status, read, loaded, quarantined, _ = manifest[p.relative_to(landing).as_posix()]
            assert status == "loaded", (p, status)
            assert read == count_rows(p) == loaded + quarantined, p
        # and the raw tables hold exactly the loaded rows
        for feed, loaded in con.execute(
            "select feed, sum(rows_loaded) from raw.load_manifest where status = 'loaded' group by 1"
        ).fetchall():
            assert con.execute(f'select count(*) from raw."{feed}"').fetchone()[0] == loaded, feed
    finally:
        con.close()


def test_rules_find_their_injected_cases_and_no_near_miss(pipeline_run):
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        scores = score(con, read_truth(pipeline_run["truth"]), RULES_BUILT)
    finally:
        con.close()
    table = format_table(scores)
    for code in RULES_BUILT:
        s = scores[code]
        assert s.injected >= 2 and s.near_misses >= 1, table
        assert s.recall == 1.0, table
        assert s.near_miss_hits == 0, table
        assert s.precision == 1.0, table


def test_core_marts_are_built(pipeline_run):
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        for rel in [
            "core.dim_institution",
            "core.dim_person",
            "core.dim_catalogue_item",
            "core.dim_practitioner",
            "core.dim_date",
            "core.fct_visit",
            "core.fct_settlement",
            "core.fct_fee_line",
            "core.fct_pharmacy_sale",
            "core.fct_inventory_movement",
            "core.fct_stocktake",
        ]:
            assert con.execute(f"select count(*) from {rel}").fetchone()[0] > 0, rel
        # personal data never leaves raw/staging: no certno/name/phone columns in core
        cols = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'core'"
            ).fetchall()
        }
        assert not cols & {"certno", "psn_name", "tel"}
    finally:
        con.close()


def test_clean_sample_passes_the_gate_and_warnings_do_not_block(pipeline_run):
    evals = [
        ev.event_specific_data
        for ev in pipeline_run["result"].all_events
        if ev.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    crit = [e for e in evals if e.check_name == "quality_critical"]
    assert len(crit) == len(FEEDS_LIST) and all(e.passed for e in crit)
    warned = [e for e in evals if e.check_name == "quality_warnings" and not e.passed]
    # the sample carries deliberate rule cases that are also quality warnings (unknown prescriber, R15)
    assert warned
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        assert con.execute("select count(*) from supervision.fct_rule_hits").fetchone()[0] > 0
    finally:
        con.close()


def test_the_run_leaves_its_audit_row(pipeline_run):
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        row = con.execute(
            "select status, trigger, launched_from, code_version, inputs, rows_in, rows_loaded, "
            "rows_quarantined, assets_materialised, exports_written from audit.runs where run_id = ?",
            [pipeline_run["result"].run_id],
        ).fetchone()
        files = con.execute("select count(*), sum(rows_read) from raw.load_manifest").fetchone()
    finally:
        con.close()
    assert row is not None
    status, trigger, launched, version, inputs, rows_in, loaded, quarantined, assets, exports = row
    assert (status, trigger, launched) == ("success", "user", "pytest")
    assert version
    assert len(json.loads(inputs)) == files[0] and rows_in == files[1] == loaded + quarantined
    assert "raw/fee_list" in json.loads(assets) and "supervision/fct_rule_hits" in json.loads(assets)
    assert any(p.endswith("/bi") for p in json.loads(exports))


def test_exports_for_each_audience(pipeline_run):
    out = pipeline_run["warehouse"].parent / "outputs"
    bi = duckdb.connect(str(out / "bi" / "yibao_bi.duckdb"), read_only=True)
    try:
        cols = bi.execute("select table_schema, table_name, column_name from information_schema.columns").fetchall()
    finally:
        bi.close()
    names = {c[2] for c in cols}
    assert {("core", "fct_fee_line"), ("core", "dim_person")} <= {(c[0], c[1]) for c in cols}
    # the incremental models' bookkeeping (schema build_state) stays in the warehouse
    assert not [c for c in cols if "__" in c[1] or c[0] == "build_state"]
    assert not list((out / "bi" / "parquet").glob("*__*.parquet"))
    assert not names & {"psn_no", "certno", "psn_name", "tel", "evidence"}
    assert list((out / "bi" / "parquet").glob("core.fct_fee_line.parquet"))
    sup = duckdb.connect(str(out / "supervisor" / "yibao_supervisor.duckdb"), read_only=True)
    try:
        n = sup.execute("select count(*) from supervision.fct_rule_hits where evidence is not null").fetchone()[0]
    finally:
        sup.close()
    assert n > 0


# what a run adds by being a run: the run log, and the columns that say which run saw a hit (new hits
# of the first run are persisting in the second); everything else must be identical
RUN_LOG = {"supervision.fct_hit_runs"}
RUN_COLUMNS = {
    "hit_status",
    "hit_status_name",
    "last_run_id",
    "last_run_at",
    "run_count",
    "new_hit_count",
    "new_amount",
    "persisting_hit_count",
    "persisting_amount",
}


def _content_hashes(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rels = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('core', 'supervision') order by 1, 2"
        ).fetchall()
        hashes = {}
        for s, t in rels:
            if f"{s}.{t}" in RUN_LOG:
                continue
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [s, t],
                ).fetchall()
                if c not in RUN_COLUMNS
            ]
            row = "struct_pack(" + ", ".join(f'"{c}" := x."{c}"' for c in cols) + ")"
            hashes[f"{s}.{t}"] = con.execute(
                f"select md5(coalesce(string_agg(h, ',' order by h), '')) "
                f'from (select md5(cast({row} as varchar)) as h from "{s}"."{t}" as x)'
            ).fetchone()[0]
        return hashes
    finally:
        con.close()


@pytest.mark.slow
def test_rerunning_gives_identical_marts(pipeline_run):
    import dagster as dg

    from orchestration.run import materialize_everything

    before = _content_hashes(pipeline_run["warehouse"])
    with dg.instance_for_test() as instance:
        result = materialize_everything(instance, launched_from="pytest")
    assert result.success
    assert _content_hashes(pipeline_run["warehouse"]) == before
    # nothing was delivered in between: the incremental models rebuilt no fee line and evaluated no rule
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        evaluated = con.execute("select distinct evaluated from build_state.fct_rule_hits__last_run").fetchall()
        fee_lines = con.execute("select full_build, lines_rebuilt from build_state.fct_fee_line__last_run").fetchall()
    finally:
        con.close()
    assert evaluated == [("unchanged",)]
    assert fee_lines == [(False, 0)]
    # the second run saw every hit again: none is new any more
    statuses = {s for (s,) in _query(pipeline_run, "select distinct hit_status from supervision.mart_hit_history")}
    assert "persisting" in statuses and "new" not in statuses


# ---------------------------------------------------------------- what the sample must exercise
def _major_case_amount() -> float:
    import yaml

    from warehouse.settings import DBT_PROJECT_DIR

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return float(project["vars"]["major_case_amount"])


def _query(pipeline_run, sql: str) -> list[tuple]:
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_sample_has_hits_in_every_quarter_including_the_latest(pipeline_run):
    periods = sorted(p.name for p in (pipeline_run["landing"] / "fee_list").iterdir() if p.is_dir())
    quarters = sorted({f"{p[:4]}Q{(int(p[4:]) - 1) // 3 + 1}" for p in periods})
    clues = dict(_query(pipeline_run, "select year_quarter, count(*) from supervision.mart_clues group by 1"))
    by_quarter = dict(
        _query(
            pipeline_run,
            "select strftime(occurred_on, '%Y') || 'Q' || quarter(occurred_on), count(distinct rule_code) "
            "from supervision.fct_rule_hits group by 1",
        )
    )
    assert [q for q in quarters if q not in clues] == [], (quarters, clues)
    latest = quarters[-1]
    # several rules at several institutions (one clue each) in the latest quarter
    assert by_quarter.get(latest, 0) >= 3 and clues[latest] >= 3, (latest, by_quarter, clues)


def test_sample_has_exactly_one_major_case_clue(pipeline_run):
    major = _major_case_amount()
    rows = _query(
        pipeline_run,
        "select clue_id, suspect_amount, must_report, report_due_date, is_reported_on_time, stage_count "
        f"from supervision.mart_clues where suspect_amount >= {major} or must_report",
    )
    assert len(rows) == 1, rows
    clue_id, amount, must_report, due, on_time, stages = rows[0]
    assert float(amount) >= major and must_report and due is not None
    # its stages were recorded, the first within the 5 working days
    assert stages >= 2 and on_time is True, rows
    # everything else stays clearly below the threshold
    (runner_up,) = _query(
        pipeline_run, f"select max(suspect_amount) from supervision.mart_clues where clue_id <> '{clue_id}'"
    )[0]
    assert float(runner_up) < 0.5 * major, runner_up


def test_sample_confirmed_amounts_never_exceed_the_suspect_amount(pipeline_run):
    stages = _query(
        pipeline_run,
        "select s.clue_id, s.stage, s.confirmed_amt, c.suspect_amount from core.fct_clue_stage as s "
        "left join supervision.mart_clues as c on s.clue_id = c.clue_id",
    )
    confirmed = [r for r in stages if r[2] is not None]
    assert confirmed, "the sample confirms no amount at all"
    assert [r for r in confirmed if r[3] is None or r[2] > r[3]] == [], stages
    assert _query(
        pipeline_run,
        "select count(*) from supervision.mart_clues where confirmed_amount > suspect_amount",
    ) == [(0,)]
    # stages name clues that exist, except the deliberate one of the quarter before the data
    unmatched = _query(
        pipeline_run, "select distinct clue_id, unmatched_reason from supervision.mart_clue_stages_unmatched"
    )
    assert [r for r in unmatched if r[1] != "quarter_outside_data"] == [] and len(unmatched) == 1, unmatched
