"""Incremental benchmark: one new month into a warehouse holding one, two or three years, against a full rebuild.

    .venv/bin/python -m benchmarks.incremental [--size 1m|10m|<lines>] [--years 1,2,3] [--keep]
    make bench-incremental BENCH_SIZE=1m [BENCH_YEARS=1,2,3]

The size is a year's fee lines (10m: the bench volume of 10M fee lines a year). For N = the most years asked:

1. generates 12·N + 1 months of deliveries ending 2026-01 (not timed);
2. one warehouse grows through the years, as a bureau's does: for each number of years Y asked, in order,
   **history** loads the months it does not hold yet up to the Y-th December and builds (timed for
   reference: the first is the build of a whole year), then **+1 month** drops the next January into the
   landing tree and runs the same stages again — the loader skips every file its manifest already holds,
   the gate validates, dbt builds;
3. **full rebuild**: the same 12·Y + 1 months into a fresh warehouse, every stage;
4. compares the rule hits (``supervision.fct_rule_hits``: every column), the clues and the fee lines of the
   grown warehouse with the full rebuild's — they must be identical — and prints what the month's run
   evaluated per rule (``build_state.fct_rule_hits__last_run``);
5. prints, per Y, the month's time ÷ its full rebuild (target at 3 years ≤ 0.15) and ÷ the month into one
   year (target ≤ 1.3: the month's cost must not grow with the history), the stages side by side, and the
   dbt nodes whose time grew most with the history.

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
    # new / persisting depend on how many builds saw a hit (the hit history), not on the data
    "supervision.mart_clues": "select * exclude (new_hit_count, new_amount, persisting_hit_count, persisting_amount) "
    "from supervision.mart_clues",
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


def in_child(fn, *args):
    """``fn(*args)`` in a fresh (spawned) Python process.

    The comparisons read millions of rows through DuckDB; run here, they would leave this process gigabytes
    larger, and every later stage would report that as its own peak: on Linux a child's ``ru_maxrss`` counts
    the memory of the parent it was forked from, up to its exec."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def total(stages: list[dict]) -> dict:
    return {
        "seconds": round(sum(s["seconds"] for s in stages), 2),
        "peak_rss_mib": max(s["peak_rss_mib"] for s in stages),
        "ok": all(s["ok"] for s in stages),
    }


def node_seconds(work: Path) -> dict[str, float]:
    """Each dbt node's execution time in the last build on ``work`` (its run_results.json)."""
    path = Path(stage_env(work)["DBT_TARGET_PATH"]) / "run_results.json"
    try:
        results = json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return {}
    return {r["unique_id"].split(".", 2)[-1]: round(r["execution_time"], 2) for r in results}


def parse_years(text: str) -> list[int]:
    years = sorted({int(y) for y in text.replace(" ", "").split(",") if y})
    if not years or years[0] < 1:
        raise SystemExit(f"--years {text!r}: give numbers of years ≥ 1, e.g. 1,2,3")
    return years


def month_after_year(first_year: int, y: int) -> str:
    return f"{first_year + y}01"


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__, "<size>-incremental")
    ap.add_argument(
        "--years",
        default=os.environ.get("BENCH_YEARS") or "1,2,3",
        help="years of history in the warehouse the month goes into (default 1,2,3)",
    )
    args = ap.parse_args(argv)
    years = parse_years(args.years)
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
    first_year = int(NEW_MONTH[:4]) - years[-1]
    months = 12 * years[-1] + 1
    print(
        f"incremental bench {size_name}: ~{lines:,} fee lines a year (scale {scale:.1f}), warehouses of "
        f"{', '.join(map(str, years))} year(s) + one month, in {work}; child output in {log}"
    )

    generated = work / "generated"
    print(f"generating {months} months ({first_year}-01 … {NEW_MONTH[:4]}-{NEW_MONTH[4:]}; not timed)")
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
            f"{first_year}-01",
            "--months",
            str(months),
        ],
        stage_env(work / "scratch"),
        "generate",
        log=log,
    )
    if not gen["ok"]:
        print(f"generation failed: see {log}")
        return 1

    grown = work / "grown"
    runs: list[dict] = []
    ok = True
    for y in years:
        new_month = month_after_year(first_year, y)
        n_hist = link_tree(generated, grown / "landing", lambda period, m=new_month: period.isdigit() and period < m)
        print(f"\n{y} year(s): history + {n_hist} files (up to {int(new_month[:4]) - 1}-12) into the warehouse")
        history = run_stages(grown, log)
        n_new = link_tree(generated, grown / "landing", lambda period, m=new_month: period == m)
        print(f"{y} year(s): + {n_new} files of {new_month} into the same warehouse")
        month = run_stages(grown, log)
        month_nodes = node_seconds(grown)
        evaluated = in_child(rules_evaluated, grown / "warehouse.duckdb") if all(s["ok"] for s in month) else {}
        full = work / f"full-{y}y"
        n_full = link_tree(generated, full / "landing", lambda period, m=new_month: period.isdigit() and period <= m)
        print(f"{y} year(s): full rebuild, {n_full} files into a fresh warehouse")
        rebuild = run_stages(full, log)
        run_ok = all(s["ok"] for s in history + month + rebuild)
        comparison = in_child(compare, grown / "warehouse.duckdb", full / "warehouse.duckdb") if run_ok else None
        identical = bool(comparison) and all(c["identical"] for c in comparison.values())
        ok = ok and run_ok and identical
        t_month, t_full = total(month), total(rebuild)
        runs.append(
            {
                "years": y,
                "new_month": new_month,
                "files_history_added": n_hist,
                "files_new_month": n_new,
                "files_full_rebuild": n_full,
                "history": {"stages": history, "total": total(history)},
                "month": {"stages": month, "total": t_month, "dbt_nodes": month_nodes},
                "full_rebuild": {"stages": rebuild, "total": t_full},
                "month_over_full_rebuild": round(t_month["seconds"] / t_full["seconds"], 3)
                if t_full["seconds"]
                else None,
                "hits_compared": comparison,
                "rules_evaluated_in_month_run": evaluated,
            }
        )
        print(f"{'stage':<32}{'+1 month':>12}{'full rebuild':>14}   (seconds; peak RSS MiB)")
        for b_, c in zip(month, rebuild, strict=True):
            print(
                f"{b_['stage']:<32}{b_['seconds']:>12.1f}{c['seconds']:>14.1f}"
                f"   ({b_['peak_rss_mib']} / {c['peak_rss_mib']})"
            )
        print(f"{'total':<32}{t_month['seconds']:>12.1f}{t_full['seconds']:>14.1f}")
        for rel, c in (comparison or {}).items():
            print(
                f"{rel}: {c['rows']:,} rows; only after the month's run {c['only_incremental']}, only after "
                f"the full rebuild {c['only_full_rebuild']} — {'identical' if c['identical'] else 'DIFFERENT'}"
            )
        if not args.keep:
            shutil.rmtree(full, ignore_errors=True)

    base = runs[0]["month"]["total"]["seconds"] if runs and runs[0]["years"] == 1 else None
    for r in runs:
        r["month_over_month_into_one_year"] = round(r["month"]["total"]["seconds"] / base, 3) if base else None
    result = {
        "size": size_name,
        "target_fee_lines_per_year": lines,
        "scale": round(scale, 3),
        "started_utc": started,
        "years": runs,
    }
    print()
    print(
        f"{'years':>5}{'+1 month s':>12}{'full rebuild s':>16}{'÷ rebuild':>11}{'÷ month into 1 year':>21}  identical"
    )
    for r in runs:
        same = r["hits_compared"] and all(c["identical"] for c in r["hits_compared"].values())
        ratio_1y = r["month_over_month_into_one_year"]
        print(
            f"{r['years']:>5}{r['month']['total']['seconds']:>12.1f}{r['full_rebuild']['total']['seconds']:>16.1f}"
            f"{r['month_over_full_rebuild'] or 0:>11.3f}{(f'{ratio_1y:.3f}' if ratio_1y else '—'):>21}  "
            f"{'yes' if same else 'NO'}"
        )
    print("targets at 3 years: month ÷ full rebuild ≤ 0.15; month ÷ month into 1 year ≤ 1.3")
    if len(runs) > 1 and runs[0]["month"]["dbt_nodes"]:
        first, last = runs[0]["month"]["dbt_nodes"], runs[-1]["month"]["dbt_nodes"]
        growth = sorted(((last[n] - first.get(n, 0.0), n) for n in last), reverse=True)[:12]
        print(f"dbt nodes whose month's time grew most from {runs[0]['years']} to {runs[-1]['years']} year(s):")
        for delta, n in growth:
            print(f"  {n}: {first.get(n, 0.0):.2f} → {last[n]:.2f} s (+{delta:.2f})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{size_name}-incremental.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}")
    if not args.keep:
        for d in (generated, grown / "landing"):
            shutil.rmtree(d, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
