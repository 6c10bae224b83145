"""The Dagster definitions load and show the whole graph from feeds to rule views."""

from __future__ import annotations

import dagster as dg

from ingest.specs import FEEDS


def test_definitions_load_with_every_feed_linked_to_dbt(dbt_manifest):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for feed in FEEDS:
        assert dg.AssetKey(["raw", feed]) in keys, feed
    for rel in (["core", "fct_fee_line"], ["supervision", "fct_rule_hits"], ["supervision", "vio_r01_duplicate_charge"]):
        assert dg.AssetKey(rel) in keys, rel
    # dbt staging models depend on the feed assets (sources linked to ingest)
    stg = [k for k in keys if k.path[0] == "staging" and "fee_lines" in k.path[-1]]
    assert stg, "no staging model for fee lines"
    assert dg.AssetKey(["raw", "fee_list"]) in graph.get(stg[0]).parent_keys
    job = defs.resolve_job_def("materialize_all")
    assert job is not None
