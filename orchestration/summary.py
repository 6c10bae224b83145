"""The closing summary of `make run`: what was loaded, what hit, where the outputs are."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import duckdb

from expectations.runner import site_index
from expectations.wording import verdict_label
from exports.writer import bi_connection_url
from warehouse.connection import connect_read_only
from warehouse.settings import Settings


def _q(con, sql: str, params=None):
    try:
        return con.execute(sql, params or []).fetchall()
    except duckdb.Error:
        return None


def print_summary(
    cfg: Settings,
    run_id: str,
    elapsed: float,
    generated: str | None,
    ok: bool,
    score_truth: Callable[[duckdb.DuckDBPyConnection, Path], dict] | None = None,
    log_path: Path | None = None,
    file: TextIO | None = None,
) -> None:
    """``score_truth(con, truth_csv)`` scores the rule hits when a ground-truth file sits beside the
    landing tree (the caller supplies it: the scorer belongs to the sample generator). ``log_path`` is
    the run log the summary points to; ``file`` is where the summary goes (default: stdout)."""

    def say(text: str = "") -> None:
        print(text, file=file or sys.stdout, flush=True)

    say("\n" + "=" * 78)
    say(f"yibao-supervision run {run_id} {'succeeded' if ok else 'FAILED'} in {elapsed:.0f} s")
    if generated:
        say(f"sample extracts generated into {generated}")
    if not cfg.warehouse.exists():
        say(f"no warehouse at {cfg.warehouse}")
        if log_path:
            say(f"run log: {log_path}")
        say("=" * 78)
        return
    latest_quarter = None
    con = connect_read_only(cfg.warehouse)
    try:
        m = _q(
            con,
            """
            select
                count(*) filter (where status = 'loaded'),
                count(*) filter (where status = 'refused'),
                count(*) filter (where status = 'duplicate'),
                count(*) filter (where status = 'replaced'),
                coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0),
                coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0),
                count(*) filter (where run_id = ?)
            from raw.load_manifest""",
            [run_id],
        )
        if m:
            loaded, refused, dup, replaced, rows, quar, this_run = m[0]
            say(
                f"deliveries: {loaded} file(s) loaded ({this_run} handled in this run), {refused} refused, "
                f"{dup} duplicate(s), {replaced} replaced by corrections"
            )
            say(f"rows: {rows:,} loaded, {quar:,} quarantined (raw.quarantine)")
        refused_rows = _q(
            con, "select file, message from raw.load_manifest where status = 'refused' order by file limit 10"
        )
        for f, msg in refused_rows or []:
            say(f"  refused {f}: {msg}")
        dq = _q(con, "select verdict, count(*) from quality.delivery_quality group by 1 order by 1")
        if dq is not None:
            say(
                "quality gate: "
                + ", ".join(f"{n:,} {verdict_label(v)}" for v, n in dq)
                + " (quality.delivery_quality, one row per delivered file)"
            )
        blocked = _q(
            con,
            """
            select feed, string_agg(distinct rule_code, ', ' order by rule_code),
                   string_agg(distinct period, ', ' order by period), count(distinct file)
            from quality.rules_not_evaluated group by feed order by feed""",
        )
        for feed, rules, periods, files in blocked or []:
            say(
                f"NOT EVALUATED: {rules} — they read {feed}, where {files} delivery(ies) failed critical "
                f"checks (periods {periods}); their hits are those of their last evaluation until a "
                "correction is delivered (quality.rules_not_evaluated, Data Docs)"
            )
        hits = _q(
            con,
            """
            select rule_code, count(*), sum(suspect_amount),
                   count(*) filter (where result_level = '1'), count(*) filter (where result_level <> '1')
            from supervision.fct_rule_hits group by 1 order by 1""",
        )
        if hits is not None:
            total = sum(h[1] for h in hits)
            amount = sum(h[2] or 0 for h in hits)
            certain, review = sum(h[3] for h in hits), sum(h[4] for h in hits)
            say(f"rule hits: {total:,} hits ({certain:,} 明确违规, {review:,} 可疑), suspect amount {amount:,.2f} yuan")
            kept = {r for _, rules, _, _ in blocked or [] for r in rules.split(", ")}
            for code, n, amt, n_certain, n_review in hits:
                note = " (kept from its last evaluation: not evaluated in this run)" if code in kept else ""
                say(f"  {code}: {n:,} hits ({n_certain:,} 明确 / {n_review:,} 可疑), {amt or 0:,.2f} yuan{note}")
        truth = cfg.landing_dir.parent / "ground_truth.csv"
        if hits is not None and score_truth is not None and truth.exists():
            scores = score_truth(con, truth)
            off = [s.rule_code for s in scores.values() if s.missed or s.wrongly_hit]
            say(
                f"scored against {truth}: {len(scores)} rules, "
                + ("every injected case found, no near-miss hit" if not off else f"OFF for {', '.join(off)}")
                + " (make score for the table)"
            )
        history = _q(
            con,
            """
            select count(*) filter (where hit_status = 'new'),
                   count(*) filter (where hit_status = 'resolved' and resolved_run_id = (
                       select run_id from supervision.fct_hit_runs order by run_started_at desc limit 1))
            from supervision.mart_hit_history""",
        )
        if history:
            say(
                f"hit history: {history[0][0]:,} hits new in this run, {history[0][1]:,} gone with the data "
                "since the last run (supervision.mart_hit_history)"
            )
        clues = _q(con, "select count(*), count(*) filter (where must_report) from supervision.mart_clues")
        if clues:
            say(f"clues: {clues[0][0]:,} (must report within 5 working days: {clues[0][1]})")
        latest_quarter = _q(con, "select max(year_quarter) from supervision.mart_clues")
        audit = _q(con, "select count(*) from audit.runs")
    finally:
        con.close()
    say("where things are:")
    say(f"  landing    {cfg.landing_dir}")
    say(f"  warehouse  {cfg.warehouse}")
    say(
        "             (schemas raw, staging, core, supervision, supervisor, reporting, ref, quality, audit,"
        " build_state)"
    )
    say(f"  outputs    {cfg.output_dir}")
    say(f"  Data Docs  {site_index(cfg.output_dir)}  (quality reports for quality owners)")
    reports = sorted(p.name for p in (cfg.output_dir / "reports").glob("*Q*") if p.is_dir())
    if reports:
        say(
            f"  reports    {cfg.output_dir / 'reports'}/<YYYYQn>/ (季度通报 workbook .xlsx + HTML): "
            f"{', '.join(reports)}"
        )
    say(f"  BI export  {cfg.output_dir / 'bi'}  (DuckDB 1.x+ file with descriptions + Parquet, no personal data)")
    say(f"             Superset URI: {bi_connection_url(cfg.output_dir / 'bi' / 'yibao_bi.duckdb')}")
    say(f"  supervisor {cfg.output_dir / 'supervisor'}  (person-level hits with evidence, clues)")
    quarter = (latest_quarter[0][0] if latest_quarter else None) or "2025Q1"
    say(
        f"  clue sheet make clue-sheet QUARTER={quarter} -> {cfg.output_dir / 'clue_sheets'}/ (sheets 线索处置 + "
        "疑点明细复核: record stages and hit reviews, deliver the file as case_clue and case_hit_review; README)"
    )
    if audit:
        say(f"  audit      audit.runs in the warehouse ({audit[0][0]} run(s) recorded)")
    say("  Dagster UI make dagster  ->  http://127.0.0.1:3000")
    if log_path:
        say(f"  run log    {log_path}  (Dagster events incl. DEBUG, dbt output, warnings)")
    say("=" * 78)
