"""The benchmark harness's own small pieces (the benchmark itself is `make bench`, not a test)."""

from __future__ import annotations

from benchmarks.bench import DBT_STAGES, REPO, dbt_stage_of, parse_size


def test_sizes():
    assert parse_size("1m") == 1_000_000
    assert parse_size("10M") == 10_000_000
    assert parse_size("50k") == 50_000
    assert parse_size("2500000") == 2_500_000


def _node(path: str, resource_type: str = "model", parents: tuple[str, ...] = ()) -> dict:
    return {"original_file_path": path, "resource_type": resource_type, "depends_on": {"nodes": list(parents)}}


def test_stages_are_the_issue_layers():
    assert list(DBT_STAGES) == ["staging + core", "rule views", "clues + reports"]
    expected = {
        "seeds/calendar/cn_public_holidays.csv": "staging + core",
        "models/staging/platform/stg_platform__fee_lines.sql": "staging + core",
        "models/marts/core/fct_fee_line.sql": "staging + core",
        "models/intermediate/supervision/int_billed_lines_unioned.sql": "rule views",
        "models/marts/supervision/rules/vio_r01_duplicate_charge.sql": "rule views",
        "models/marts/supervision/rules/fct_rule_hits.sql": "clues + reports",
        "models/marts/supervision/clues/mart_clues.sql": "clues + reports",
        "models/marts/reporting/rpt_quarters.sql": "clues + reports",
        "models/intermediate/reporting/int_institution_quarters_joined.sql": "clues + reports",
    }
    for path, stage in expected.items():
        assert (REPO / "dbt_project" / path).exists(), path
        assert dbt_stage_of(_node(path), {}) == stage, path


def test_every_model_and_seed_has_a_stage():
    project = REPO / "dbt_project"
    files = [p for p in (project / "models").rglob("*.sql")] + list((project / "seeds").rglob("*.csv"))
    assert len(files) > 50
    for p in files:
        assert dbt_stage_of(_node(str(p.relative_to(project))), {}) in DBT_STAGES


def test_a_test_belongs_to_the_stage_of_the_last_model_it_reads():
    nodes = {
        "model.fee": _node("models/marts/core/fct_fee_line.sql"),
        "model.hits": _node("models/marts/supervision/rules/fct_rule_hits.sql"),
        "model.r01": _node("models/marts/supervision/rules/vio_r01_duplicate_charge.sql"),
    }
    assert dbt_stage_of(_node("models/x.yml", "test", ("model.fee",)), nodes) == "staging + core"
    assert dbt_stage_of(_node("models/x.yml", "test", ("model.r01", "model.hits")), nodes) == "clues + reports"
    assert dbt_stage_of(_node("models/x.yml", "test", ("model.fee", "model.r01")), nodes) == "rule views"
    assert dbt_stage_of(_node("models/x.yml", "test", ("source.yibao.platform.fee_list",)), nodes) == "staging + core"
