"""Incremental benchmark: one new month into a warehouse that holds a year, against a full rebuild.

    .venv/bin/python -m benchmarks.incremental [--size 1m|10m|<lines>] [--keep]
    make bench-incremental BENCH_SIZE=1m        # or 10m

1. generates 13 months (2025-01 … 2026-01) of deliveries at the size's scale (a year's fee lines ≈ the
   size; not timed);
2. **year**: loads the first 12 months into an empty warehouse and builds everything (the state a
   bureau is in before the new month arrives; timed for reference);
3. **incremental**: drops the 13th month into the landing tree and runs the same stages again on that
   warehouse — the loader skips every file its manifest already holds, the gate validates, dbt builds;
4. **full rebuild**: all 13 months into a fresh warehouse, every stage;
5. prints what the incremental run evaluated per rule (``build_state.fct_rule_hits__last_run``) and
   compares the rule hits (``supervision.fct_rule_hits``: every column) and the clues of the two
   warehouses — they must be identical — and prints incremental ÷ full rebuild (target ≤ 1/3).

Stages and their figures are those of ``benchmarks.bench`` (ingest and gate each a child process; one
``dbt build`` split into its stages by dbt's node timings, plus its start-up and time between nodes).
Writes ``benchmarks/results/<size>-incremental.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.bench import (
    LINES_PER_SCALE,
    REPO,
    RESULTS,
    arg_parser,
    parse_size,
    run_child,
    run_stages,
    stage_env,
)

NEW_MONTH = "202601"
COMPARED = {
    "supervision.fct_rule_hits": "select * from supervision.fct_rule_hits",
    "supervision.mart_clues": "select * from supervision.mart_clues",
    "core.fct_fee_line": "select * from core.fct_fee_line",
}


def link_tree(src: Path, dst: Path, keep) -> int:
    """Hard-link the files of ``src`` for which ``keep(period)`` into ``dst``; returns the count."""
    n = 0
    for p in sorted(src.rglob("*")):
        if p.is_file() and keep(p.parent.name):
            target = dst / p.relative_to(src)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(p, target)
                n += 1
    return n


def compare(wh_a: Path, wh_b: Path) -> dict:
    """Rows of each compared relation present in one warehouse and not the other (both ways)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{wh_a}' as a (read_only)")
        con.execute(f"attach '{wh_b}' as b (read_only)")
        out = {}
        for rel, sql in COMPARED.items():
            qa, qb = sql.replace("from ", "from a."), sql.replace("from ", "from b.")
            rows = con.execute(f"select count(*) from ({qa})").fetchone()[0]
            only_a = con.execute(f"select count(*) from ({qa} except all {qb})").fetchone()[0]
            only_b = con.execute(f"select count(*) from ({qb} except all {qa})").fetchone()[0]
            out[rel] = {
                "rows": rows,
                "only_incremental": only_a,
                "only_full_rebuild": only_b,
                "identical": only_a == 0 and only_b == 0,
            }
        return out
    finally:
        con.close()


def rules_evaluated(wh: Path) -> dict:
    """What the last fct_rule_hits build evaluated per rule ('all hits', 'hits from <date>', 'unchanged')."""
    import duckdb

    con = duckdb.connect(str(wh), read_only=True)
    try:
        return dict(
            con.execute(
                "select rule_code, evaluated from build_state.fct_rule_hits__last_run order by rule_code"
            ).fetchall()
        )
    finally:
        con.close()


def total(stages: list[dict]) -> dict:
    return {
        "seconds": round(sum(s["seconds"] for s in stages), 2),
        "peak_rss_mib": max(s["peak_rss_mib"] for s in stages),
        "ok": all(s["ok"] for s in stages),
    }


def main(argv: list[str] | None = None) -> int:
    args = arg_parser(__doc__, "<size>-incremental").parse_args(argv)

    size_name = args.size.lower()
    lines = parse_size(size_name)
    scale = lines / LINES_PER_SCALE
    work = (args.dir or REPO / "data" / "bench" / f"{size_name}-incremental").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log = work / "bench.log"
    py = sys.executable
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(
        f"incremental bench {size_name}: a year of ~{lines:,} fee lines + one month (scale {scale:.1f}) "
        f"in {work}; child output in {log}"
    )

    generated = work / "generated"
    print("generating 13 months (not timed)")
    gen = run_child(
        [
            py,
            "-m",
            "synthetic",
            "--out",
            str(generated),
            "--seed",
            str(args.seed),
            "--scale",
            f"{scale:.3f}",
            "--start",
            "2025-01",
            "--months",
            "13",
        ],
        stage_env(work / "scratch"),
        "generate",
        log=log,
    )
    if not gen["ok"]:
        print(f"generation failed: see {log}")
        return 1

    inc = work / "incremental"
    n_year = link_tree(generated, inc / "landing", lambda period: period < NEW_MONTH)
    print(f"year: {n_year} files (2025-01 … 2025-12) into an empty warehouse")
    year = run_stages(inc, log)
    n_new = link_tree(generated, inc / "landing", lambda period: period >= NEW_MONTH)
    print(f"incremental: + {n_new} files of {NEW_MONTH} into the same warehouse")
    incremental = run_stages(inc, log)
    evaluated = rules_evaluated(inc / "warehouse.duckdb") if all(s["ok"] for s in incremental) else {}

    full = work / "full"
    link_tree(generated, full / "landing", lambda period: True)
    print(f"full rebuild: {n_year + n_new} files into a fresh warehouse")
    rebuild = run_stages(full, log)

    ok = all(s["ok"] for s in year + incremental + rebuild)
    comparison = compare(inc / "warehouse.duckdb", full / "warehouse.duckdb") if ok else None
    t_inc, t_full = total(incremental), total(rebuild)
    result = {
        "size": size_name,
        "target_fee_lines_per_year": lines,
        "scale": round(scale, 3),
        "started_utc": started,
        "new_month": NEW_MONTH,
        "files_year": n_year,
        "files_new_month": n_new,
        "year": {"stages": year, "total": total(year)},
        "incremental": {"stages": incremental, "total": t_inc},
        "full_rebuild": {"stages": rebuild, "total": t_full},
        "incremental_over_full_rebuild": round(t_inc["seconds"] / t_full["seconds"], 3) if t_full["seconds"] else None,
        "hits_compared": comparison,
        "rules_evaluated_in_incremental_run": evaluated,
    }

    print()
    print(f"{'stage':<32}{'year':>10}{'+1 month':>12}{'full rebuild':>14}   (seconds; peak RSS MiB)")
    for a, b, c in zip(year, incremental, rebuild, strict=True):
        print(
            f"{a['stage']:<32}{a['seconds']:>10.1f}{b['seconds']:>12.1f}{c['seconds']:>14.1f}"
            f"   ({a['peak_rss_mib']} / {b['peak_rss_mib']} / {c['peak_rss_mib']})"
        )
    print(f"{'total':<32}{total(year)['seconds']:>10.1f}{t_inc['seconds']:>12.1f}{t_full['seconds']:>14.1f}")
    print(f"incremental ÷ full rebuild = {result['incremental_over_full_rebuild']} (target ≤ 0.333)")
    if evaluated:
        by_kind: dict[str, list[str]] = {}
        for rule, what in evaluated.items():
            by_kind.setdefault(what, []).append(rule)
        print(
            "rules in the incremental run: "
            + "; ".join(f"{what}: {', '.join(rules)}" for what, rules in sorted(by_kind.items()))
        )
    if comparison:
        for rel, c in comparison.items():
            print(
                f"{rel}: {c['rows']:,} rows; only after the incremental run {c['only_incremental']}, only after "
                f"the full rebuild {c['only_full_rebuild']} — {'identical' if c['identical'] else 'DIFFERENT'}"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{size_name}-incremental.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}")
    if not args.keep:
        for d in (generated, inc / "landing", full / "landing"):
            shutil.rmtree(d, ignore_errors=True)
    identical = bool(comparison) and all(c["identical"] for c in comparison.values())
    return 0 if ok and identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
