"""The Dagster definitions load and show the whole graph from feeds to rule views."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from ingest.specs import FEEDS


def test_definitions_load_with_every_feed_linked_to_dbt(dbt_manifest):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for feed in FEEDS:
        assert dg.AssetKey(["raw", feed]) in keys, feed
    for rel in (
        ["core", "fct_fee_line"],
        ["supervision", "fct_rule_hits"],
        ["supervision", "vio_r01_duplicate_charge"],
    ):
        assert dg.AssetKey(rel) in keys, rel
    # dbt staging models depend on the feed assets (sources linked to ingest)
    stg = [k for k in keys if k.path[0] == "staging" and "fee_lines" in k.path[-1]]
    assert stg, "no staging model for fee lines"
    assert dg.AssetKey(["raw", "fee_list"]) in graph.get(stg[0]).parent_keys
    job = defs.resolve_job_def("materialize_all")
    assert job is not None


def test_warehouse_resource_reads_the_environment_when_asked_and_always_closes(tmp_path, monkeypatch):
    from orchestration.resources import WarehouseResource

    resource = WarehouseResource()  # made before the environment names a warehouse, as definitions are
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "a.duckdb"))
    assert resource.settings.warehouse == tmp_path / "a.duckdb"
    with resource.writer() as con:
        con.execute("create table t as select 1 as x")
        assert con.execute("select current_setting('TimeZone')").fetchone()[0] == "Asia/Shanghai"
    with pytest.raises(ZeroDivisionError), resource.writer() as con:
        held = con
        raise ZeroDivisionError
    with pytest.raises(duckdb.Error):
        held.execute("select 1")  # closed although the block failed
    with resource.reader() as con:
        assert con.execute("select x from t").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            con.execute("insert into t values (2)")  # read-only
    with resource.writer() as con:  # nothing left open: the file takes a writer again
        assert con.execute("select count(*) from t").fetchone()[0] == 1
