"""The quality gate in Dagster: a critical failure blocks everything downstream; warnings do not."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest


@pytest.fixture(scope="module")
def broken_run(sample_tree, dbt_manifest, tmp_path_factory):
    landing, _ = sample_tree
    base = tmp_path_factory.mktemp("broken")
    broken = base / "landing"
    shutil.copytree(landing, broken)
    # a settlement that no longer adds up: medfee_sumamt + 100 yuan on the first row of one file
    setl = sorted((broken / "setl").rglob("*.parquet"))[0]
    t = pq.read_table(setl)
    col = t.column("medfee_sumamt").to_pylist()
    col[0] = (Decimal(str(col[0])) + 100) if not isinstance(col[0], str) else str(Decimal(col[0]) + 100)
    t = t.set_column(t.schema.get_field_index("medfee_sumamt"), "medfee_sumamt",
                     pa.array(col, type=t.schema.field("medfee_sumamt").type))
    pq.write_table(t, setl)
    env = {"YIBAO_LANDING_DIR": str(broken), "YIBAO_WAREHOUSE": str(base / "wh.duckdb"),
           "YIBAO_OUTPUT_DIR": str(base / "out")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from orchestration.definitions import defs

        with dg.instance_for_test() as instance:
            result = defs.resolve_job_def("materialize_all").execute_in_process(
                instance=instance, raise_on_error=False)
            yield {"result": result, "base": base, "setl_file": setl.relative_to(broken).as_posix()}
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def _check_evals(result):
    return {(e.asset_key.path[-1], e.check_name): e for e in
            (ev.event_specific_data for ev in result.all_events if ev.event_type_value == "ASSET_CHECK_EVALUATION")}


def test_critical_failure_fails_the_check_with_a_clear_message(broken_run):
    evals = _check_evals(broken_run["result"])
    crit = evals[("setl", "quality_critical")]
    assert not crit.passed
    md = crit.metadata
    assert md["critical_failed"].value >= 1
    assert broken_run["setl_file"] in md["failures_md"].value
    # other feeds passed their critical checks
    assert evals[("psn", "quality_critical")].passed


def test_nothing_downstream_is_materialised(broken_run):
    result = broken_run["result"]
    materialised = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()
                    if hasattr(e, "asset_key")} | {
        tuple(ev.event_specific_data.materialization.asset_key.path)
        for ev in result.all_events if ev.event_type_value == "ASSET_MATERIALIZATION"}
    assert ("raw", "setl") in materialised
    assert not [k for k in materialised if k[0] in ("staging", "core", "supervision", "reporting")]
    con = duckdb.connect(str(broken_run["base"] / "wh.duckdb"), read_only=True)
    try:
        schemas = {r[0] for r in con.execute("select table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert not schemas & {"core", "supervision"}


def test_data_docs_show_the_failure_without_identifiers(broken_run):
    from expectations.docs import scan_for_identifiers

    site = broken_run["base"] / "out" / "quality"
    pages = list(site.rglob("*.html"))
    assert pages
    setl_pages = [p for p in pages if "setl" in p.as_posix()]
    assert any("fail" in p.read_text(encoding="utf-8").lower() for p in setl_pages)
    con = duckdb.connect(str(broken_run["base"] / "wh.duckdb"), read_only=True)
    try:
        people = con.execute("select certno, psn_name, tel from raw.psn").fetchall()
    finally:
        con.close()
    names = tuple(sorted({p[1] for p in people if p[1]}))
    assert scan_for_identifiers(site, names) == []
    text = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".json"))
    leaked = [v for row in people for v in (row[0], row[2]) if v and v in text]
    assert not leaked


def test_delivery_quality_table_names_the_failed_file(broken_run):
    con = duckdb.connect(str(broken_run["base"] / "wh.duckdb"), read_only=True)
    try:
        rows = dict(con.execute("select file, verdict from quality.delivery_quality").fetchall())
    finally:
        con.close()
    assert rows[broken_run["setl_file"]] == "fail"
    assert sum(1 for v in rows.values() if v == "fail") == 1
