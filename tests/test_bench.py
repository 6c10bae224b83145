"""The benchmark harness's own small pieces (the benchmark itself is `make bench`, not a test)."""

from __future__ import annotations

import pytest

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


# ---------------------------------------------------------------- per-rule figures
def test_rule_views_of_a_manifest_in_rule_order():
    from benchmarks.bench import rule_views_of

    nodes = {
        "model.yibao.vio_r10_gender_restriction": {
            "resource_type": "model",
            "name": "vio_r10_gender_restriction",
            "relation_name": '"wh"."supervision"."vio_r10_gender_restriction"',
            "config": {"meta": {}},
        },
        "model.yibao.vio_r02_over_price_cap": {
            "resource_type": "model",
            "name": "vio_r02_over_price_cap",
            "relation_name": '"wh"."supervision"."vio_r02_over_price_cap"',
            "config": {"meta": {"rule_code": "R02"}},
        },
        "model.yibao.fct_rule_hits": {"resource_type": "model", "name": "fct_rule_hits", "config": {}},
        "test.yibao.rule_output_vio_r02": {"resource_type": "test", "name": "vio_r02_test", "config": {}},
    }
    views = rule_views_of(nodes)
    assert [(v["rule"], v["view"]) for v in views] == [
        ("R02", "vio_r02_over_price_cap"),
        ("R10", "vio_r10_gender_restriction"),
    ]
    assert views[1]["relation"] == '"wh"."supervision"."vio_r10_gender_restriction"'


def test_rule_evaluation_output_is_parsed_from_its_last_marker_line():
    from benchmarks.bench import parse_rule_eval

    out = 'some warning\nRULE_EVAL {"hits": 3, "seconds": 0.5}\nRULE_EVAL {"hits": 12, "seconds": 1.25}\n'
    assert parse_rule_eval(out) == {"hits": 12, "seconds": 1.25}
    assert parse_rule_eval("Traceback (most recent call last):\n  duckdb.OutOfMemoryException\n") is None
    assert parse_rule_eval('RULE_EVAL {"hits": 1, "seco') is None


def _layer(*rules: tuple[str, int, float, int]) -> dict:
    rows = [
        {"rule": r, "view": f"vio_{r.lower()}_x", "hits": h, "seconds": s, "peak_rss_mib": m, "ok": True}
        for r, h, s, m in rules
    ]
    total = {
        "hits": sum(r["hits"] for r in rows),
        "seconds": round(sum(r["seconds"] for r in rows), 2),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in rows),
        "ok": True,
    }
    return {"rules": rows, "total": total}


def test_rule_table_lists_each_rule_and_the_layer_total():
    from benchmarks.bench import RULE_LAYER, rule_table

    lines = rule_table(_layer(("R01", 1200, 0.5, 300), ("R24", 7, 2.25, 900)))
    assert lines[0].split() == ["rule", "view", "hits", "seconds", "peak", "RSS", "MiB"]
    assert lines[1].split() == ["R01", "vio_r01_x", "1,200", "0.50", "300"]
    assert lines[2].split() == ["R24", "vio_r24_x", "7", "2.25", "900"]
    assert lines[3].startswith("all") and RULE_LAYER in lines[3]
    assert lines[3].split()[-3:] == ["1,207", "2.75", "900"]
    layer = _layer(("R13", 0, 600.0, 3500))
    layer["rules"][0].update(ok=False, timed_out=True)
    assert rule_table(layer)[1].endswith("TIMED OUT (at least)")


def test_with_and_without_the_knowledge_base_against_the_targets():
    from benchmarks.bench import kb_comparison

    plain = {
        "rule_layer": _layer(("R10", 5, 1.0, 400), ("R24", 0, 1.0, 500)),
        "end_to_end": {"seconds": 90, "peak_rss_mib": 1900},
    }
    kb = {
        "rule_layer": _layer(("R10", 9, 1.5, 700), ("R24", 4, 3.0, 5000)),
        "end_to_end": {"seconds": 120, "peak_rss_mib": 2000},
    }
    rows = {r["what"]: r for r in kb_comparison(plain, kb)}
    assert rows["rule layer seconds"]["without_kb"] == 2.0 and rows["rule layer seconds"]["with_kb"] == 4.5
    assert rows["rule layer time with ÷ without"]["with_kb"] == 2.25
    assert rows["rule layer time with ÷ without"]["met"] is False
    assert rows["rule layer peak RSS MiB"]["met"] is False  # 5,000 MiB > 4 GiB
    assert rows["end to end peak RSS MiB"]["met"] is True
    assert rows["R24 seconds (hits)"]["with_kb"] == "3.00 (4)"
    assert not any(k.startswith("rule layer seconds, the") for k in rows)  # the same rules in both runs
    kb["rule_layer"] = _layer(("R10", 9, 1.5, 700), ("R24", 4, 3.0, 900), ("R29", 1, 4.0, 800))
    rows = {r["what"]: r for r in kb_comparison(plain, kb)}
    assert rows["rule layer seconds, the 2 rules of both runs"]["with_kb"] == 4.5
    assert rows["  with ÷ without, the 2 rules of both"]["with_kb"] == 2.25


# ---------------------------------------------------------------- the national-size knowledge base
def test_national_knowledge_base_has_the_size_and_mix_asked_for():
    from collections import Counter

    from benchmarks import kb_national as kb

    points, codes = kb.generate(seed=11, progress=lambda *_: None)
    s = kb.summary(points, codes)
    assert s["points"] >= 5000 and s["code_rows"] >= 250_000 and s["r03_pairs"] >= 900
    assert s["catalogue_code_rows"] > s["code_rows"] / 2  # mostly the bench catalogue's codes
    assert s["result_level_2"] > 0 and s["with_validity"] > 0
    rules = Counter(p["rule_code"] for p in points)
    assert set(rules) == {"R03", "R04", "R10", "R11", "R12", "R13", *(f"R{n}" for n in range(23, 30))}
    # the parameter mixes
    assert {p["period"] for p in points if p["rule_code"] == "R04"} == {"day", "visit"}
    assert {p["course_scope"] for p in points if p["rule_code"] == "R23"} == {"visit", "year"}
    assert {p["herb_mode"] for p in points if p["rule_code"] == "R26"} == {"all", "single"}
    r24 = [p for p in points if p["rule_code"] == "R24"]
    assert any(p["period_days"] and p["max_cnt"] for p in r24) and any(p["min_interval_days"] for p in r24)
    assert {p["source"] for p in points} == {"1", "2", "3"}
    assert all(p["national_rule_code"] for p in points if p["source"] == "1")
    assert not any(p["national_rule_code"] for p in points if p["source"] != "1")
    # keys, references, sides
    ids = [p["kb_point_id"] for p in points]
    assert len(set(ids)) == len(ids)
    assert len({(c[0], c[1], c[3]) for c in codes}) == len(codes)
    assert {c[0] for c in codes} <= set(ids)
    by_id = {p["kb_point_id"]: p for p in points}
    sides = {(by_id[c[0]]["rule_code"], c[1], c[2]) for c in codes}
    assert ("R03", "B", "hilist") in sides and ("R27", "B", "hilist") in sides and ("R28", "B", "icd10") in sides
    assert ("R29", "A", "icd10") in sides and ("R29", "A", "hilist") not in sides
    with_b = {c[0] for c in codes if c[1] == "B"}
    assert all(p["kb_point_id"] in with_b for p in points if p["rule_code"] in ("R03", "R27", "R28"))


def test_national_knowledge_base_points_carry_their_rules_parameters():
    from benchmarks import kb_national as kb
    from ingest import specs

    required = getattr(specs, "KB_POINT_PARAMETERS", None)
    if required is None:
        pytest.skip("the loader has no knowledge-base feeds on this branch")
    points, _ = kb.generate(seed=5, scale=0.1, progress=lambda *_: None)
    for p in points:
        for alternatives in required.get(p["rule_code"], ()):
            assert any(all(p[c] for c in alt) for alt in alternatives), (p["kb_point_id"], alternatives)


def test_national_knowledge_base_is_deterministic():
    from benchmarks import kb_national as kb

    quiet = {"progress": lambda *_: None, "scale": 0.05}
    assert kb.generate(seed=3, **quiet) == kb.generate(seed=3, **quiet)
    assert kb.generate(seed=3, **quiet) != kb.generate(seed=4, **quiet)


def test_national_knowledge_base_lands_as_the_contract_says(tmp_path):
    import csv

    from benchmarks import kb_national as kb
    from ingest.landing import parse_delivery
    from ingest.specs import FEEDS

    for d in ("hilist/202511", "hilist/202512", "fee_list/202501", "fee_list/202512"):
        (tmp_path / d).mkdir(parents=True)
    if "kb_point" not in FEEDS:
        with pytest.raises(SystemExit, match="kb_point"):
            kb.write_landing(tmp_path, progress=lambda *_: None)
        return
    s = kb.write_landing(tmp_path, seed=11, progress=lambda *_: None)
    assert s["period"] == "202512"
    for feed, columns in (("kb_point", kb.KB_POINT_COLUMNS), ("kb_point_code", kb.KB_POINT_CODE_COLUMNS)):
        assert tuple(FEEDS[feed].codes) == columns
        (path,) = (tmp_path / feed).rglob("*.csv")
        delivery = parse_delivery(tmp_path, path)
        assert delivery.problem is None and delivery.period == "202512" and delivery.fmt == "csv"
        with open(path, encoding="utf-8", newline="") as fh:
            assert tuple(next(csv.reader(fh))) == columns


def test_a_cap_per_code_keeps_the_size_with_national_codes():
    from collections import Counter

    from benchmarks import kb_national as kb

    points, codes = kb.generate(seed=11, points_per_code=3, progress=lambda *_: None)
    s = kb.summary(points, codes)
    assert s["points"] >= 5000 and s["code_rows"] >= 250_000 and s["r03_pairs"] >= 900
    rule_of = {p["kb_point_id"]: p["rule_code"] for p in points}
    catalogue = {it.code for it in kb._catalogue()[0]}
    # side A (the items a point restricts) is capped; R27's side B lists the related services a consumable
    # needs, uncapped, as a real point does
    side_a = [c for c in codes if c[1] == "A"]
    assert sum(c[3] in catalogue for c in side_a) < len(side_a) / 10
    uses = Counter((rule_of[c[0]], c[1], c[3]) for c in side_a if c[3] in catalogue and rule_of[c[0]] != "R03")
    assert uses and max(uses.values()) <= 3
    # the realistic base pairs one R03 point in fifty between two catalogue items
    r03_b = [c for c in codes if rule_of[c[0]] == "R03" and c[1] == "B" and c[3] in catalogue]
    assert 0 < len(r03_b) <= s["r03_pairs"] // 40


def test_results_file_names():
    from benchmarks.bench import kb_suffix

    assert kb_suffix(False, None) == "" and kb_suffix(False, 3) == ""
    assert kb_suffix(True, None) == "-kb"
    assert kb_suffix(True, 3) == "-kb-cap3"


def test_years_of_the_incremental_bench_and_their_new_months():
    from benchmarks.incremental import month_after_year, parse_years

    assert parse_years("3, 1,2,2") == [1, 2, 3]
    with pytest.raises(SystemExit):
        parse_years("0,1")
    # three years end with the month after 2025: the histories grow, each new month is a January
    first = 2026 - 3
    assert [month_after_year(first, y) for y in (1, 2, 3)] == ["202401", "202501", "202601"]


def test_the_tree_sampler_counts_a_process_and_its_children():
    import subprocess
    import time

    from benchmarks.spark_lake import TreeRssSampler

    # a parent whose child holds ~64 MiB: the tree's RSS is more than the parent's alone
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'b = bytearray(64 << 20); import time; time.sleep(2)'])"
    p = subprocess.Popen([__import__("sys").executable, "-c", code])
    sampler = TreeRssSampler(p.pid, period=0.1)
    time.sleep(1.5)
    p.wait()
    sampler.stop()
    assert sampler.peak_mib > 64


def test_hits_of_both_engines_matched_by_hit_id(tmp_path):
    from decimal import Decimal

    import duckdb

    from benchmarks.spark_lake import compare_hits

    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("create schema supervision")
    con.execute(
        "create table supervision.fct_rule_hits as select rule_code, hit_id, suspect_amount::decimal(18,2)"
        " as suspect_amount from (values ('R01', 'a', 1), ('R01', 'b', 2), ('R05', 'c', 3), ('R06', 'd', 4))"
        " t(rule_code, hit_id, suspect_amount)"
    )
    con.close()
    spark_table = tmp_path / "spark" / "warehouse" / "supervision.db" / "fct_rule_hits"
    spark_table.mkdir(parents=True)
    duckdb.sql(
        "copy (select rule_code, hit_id, suspect_amount::decimal(18,2) as suspect_amount from (values"
        " ('R01', 'a', 1), ('R01', 'b', 2), ('R06', 'e', 4), ('R07', 'f', 5)) t(rule_code, hit_id, suspect_amount))"
        f" to '{spark_table}/part-0.parquet'"
    )
    got = compare_hits(tmp_path / "wh.duckdb", tmp_path / "spark")
    assert sorted(got) == ["R01", "R05", "R06", "R07"]
    assert got["R01"].same and got["R01"].duckdb == got["R01"].spark == 2
    assert got["R01"].duckdb_amount == Decimal("3.00")
    assert (got["R05"].duckdb, got["R05"].spark, got["R05"].only_duckdb) == (1, 0, 1)
    # the same count and amount, but other hits: not the same
    assert (got["R06"].duckdb, got["R06"].spark, got["R06"].only_duckdb, got["R06"].only_spark) == (1, 1, 1, 1)
    assert not got["R06"].same
    assert (got["R07"].spark, got["R07"].only_spark, got["R07"].spark_amount) == (1, 1, Decimal("5.00"))


def test_the_incremental_comparison_runs_in_its_own_process_and_finds_a_difference(tmp_path):
    import duckdb

    from benchmarks.incremental import compare, in_child

    def warehouse(name: str, extra_line: bool) -> str:
        path = str(tmp_path / f"{name}.duckdb")
        con = duckdb.connect(path)
        con.execute("create schema supervision; create schema core")
        con.execute("create table supervision.fct_rule_hits as select 'R01' as rule_code, 'h1' as hit_id")
        con.execute(
            "create table supervision.mart_clues as select 'c1' as clue_id, 1 as new_hit_count,"
            f" 1.00 as new_amount, {2 if extra_line else 0} as persisting_hit_count, 0.00 as persisting_amount"
        )
        con.execute(
            "create table core.fct_fee_line as select * from (values ('f1'), ('f2')"
            + (", ('f3')" if extra_line else "")
            + ") t(fee_line_id)"
        )
        con.close()
        return path

    grown, full = warehouse("grown", extra_line=True), warehouse("full", extra_line=False)
    out = in_child(compare, grown, full)
    assert out["supervision.fct_rule_hits"]["identical"]
    # the hit history columns of the clues are not compared
    assert out["supervision.mart_clues"]["identical"]
    assert out["core.fct_fee_line"] == {
        "rows": 3,
        "only_incremental": 1,
        "only_full_rebuild": 0,
        "identical": False,
    }
