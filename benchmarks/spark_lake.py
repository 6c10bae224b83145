"""The provincial path measured: the same deliveries built on DuckDB and on Spark, Spark reading the loader's lake.

    .venv/bin/python -m benchmarks.spark_lake [--size 1m|<lines>] [--keep]
    make bench-spark BENCH_SIZE=1m

1. generates a landing tree of about ``size`` fee lines (not timed);
2. **DuckDB**: the pipeline's stages as ``make bench`` runs them — ingest (with ``YIBAO_LAKE_DIR`` set, so
   the loader also writes every batch to the lake), the gate, one ``dbt build`` — each a timed child process;
3. **Spark** (local mode, every core of this machine): ``dbt_project/spark/run_on_spark.py --lake`` —
   a JVM, the raw tables as external tables over the lake the loader just wrote, then the same ``dbt
   build`` (production's: no unit tests) with ``--target spark``; timed, with the peak RSS of the whole
   process tree (Python driver + JVM) sampled every 0.5 s; driver memory 8g unless YIBAO_SPARK_DRIVER_MEMORY
   says otherwise (local mode: the driver is the only executor);
4. compares the two engines' hits rule by rule — hit ids and suspect amounts (Spark's ``fct_rule_hits``
   read from its warehouse directory's Parquet files) and prints both.

Needs the ``spark`` extra in ``.venv-spark`` (``make bench-spark`` installs it). Writes
``benchmarks/results/<size>-spark.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from benchmarks.bench import LINES_PER_SCALE, REPO, RESULTS, arg_parser, parse_size, run_child, run_stages, stage_env
from warehouse.settings import PRODUCTION_BUILD_ARGS

SPARK_PYTHON = REPO / ".venv-spark" / "bin" / "python"


class TreeRssSampler:
    """Summed RSS of a process and all its descendants (a Python driver and its JVM), sampled in a thread."""

    def __init__(self, pid: int, period: float = 0.5):
        self.pid, self.period, self.peak_mib = pid, period, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(d.name))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0.0
            for p in self._tree():
                try:
                    for line in Path(f"/proc/{p}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) / 1024
                            break
                except OSError:
                    pass
            self.peak_mib = max(self.peak_mib, total)
            self._stop.wait(self.period)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_spark(work: Path, lake: Path, log: Path) -> dict:
    env = {**stage_env(work), "YIBAO_SPARK_DIR": str(work / "spark")}
    # local mode: the driver is the only executor. With run_on_spark.py's 4g, fct_rule_hits' fill ran out of
    # execution memory at 1M (a broadcast hash relation could not grow); 8g unless the environment says
    env.setdefault("YIBAO_SPARK_DRIVER_MEMORY", "8g")
    cmd = [str(SPARK_PYTHON), str(REPO / "dbt_project" / "spark" / "run_on_spark.py"), "--lake", str(lake)]
    cmd += ["build", *PRODUCTION_BUILD_ARGS]
    print("  … spark: JVM start, raw tables over the lake, dbt build --target spark", flush=True)
    with open(log, "ab") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeRssSampler(p.pid)
        code = p.wait()
        wall = time.perf_counter() - t0
        sampler.stop()
    ok = code == 0
    print(
        f"    spark: {wall:7.1f} s  peak RSS (driver + JVM) {sampler.peak_mib:7.0f} MiB"
        + ("" if ok else f"  FAILED (see {log})"),
        flush=True,
    )
    return {"stage": "spark: dbt build", "seconds": round(wall, 2), "peak_rss_mib": round(sampler.peak_mib), "ok": ok}


@dataclass(frozen=True)
class RuleHits:
    """One rule's hits on both engines: counts, suspect amounts and hit ids found by one engine only."""

    duckdb: int
    spark: int
    duckdb_amount: Decimal
    spark_amount: Decimal
    only_duckdb: int
    only_spark: int

    @property
    def same(self) -> bool:
        return not self.only_duckdb and not self.only_spark and self.duckdb_amount == self.spark_amount

    def describe(self) -> str:
        return (
            f"{self.duckdb}/{self.spark} hits, {self.duckdb_amount}/{self.spark_amount} yuan, "
            f"{self.only_duckdb} only on duckdb, {self.only_spark} only on spark"
        )


def compare_hits(duckdb_warehouse: Path, spark_dir: Path) -> dict[str, RuleHits]:
    """rule → its hits on DuckDB and on Spark, matched by hit id (the same key hash on both engines);
    Spark's fct_rule_hits read from the Parquet files of its warehouse directory."""
    import duckdb

    files = sorted(str(f) for f in (spark_dir / "warehouse").glob("supervision.db/fct_rule_hits/**/*.parquet"))
    con = duckdb.connect()
    try:
        con.execute(f"attach '{duckdb_warehouse}' as d (read_only)")
        spark = (
            f"select rule_code, hit_id, suspect_amount from read_parquet({files!r})"
            if files
            else "select null::varchar as rule_code, null::varchar as hit_id, null::decimal(18,2) as suspect_amount"
            " where false"
        )
        rows = con.execute(
            f"""
            with ours as (select rule_code, hit_id, suspect_amount from d.supervision.fct_rule_hits),
            theirs as ({spark})
            select
                coalesce(ours.rule_code, theirs.rule_code) as rule_code,
                count(ours.hit_id),
                count(theirs.hit_id),
                coalesce(sum(ours.suspect_amount), 0)::decimal(18,2),
                coalesce(sum(theirs.suspect_amount), 0)::decimal(18,2),
                count(*) filter (where theirs.hit_id is null),
                count(*) filter (where ours.hit_id is null)
            from ours
            full join theirs on ours.rule_code = theirs.rule_code and ours.hit_id = theirs.hit_id
            group by 1
            order by 1
            """
        ).fetchall()
    finally:
        con.close()
    return {rule: RuleHits(*figures) for rule, *figures in rows}


def main(argv: list[str] | None = None) -> int:
    args = arg_parser(__doc__, "<size>-spark").parse_args(argv)
    size_name = args.size.lower()
    lines = parse_size(size_name)
    scale = lines / LINES_PER_SCALE
    work = (args.dir or REPO / "data" / "bench" / f"{size_name}-spark").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    (work / "dagster_home").mkdir()
    log = work / "bench.log"
    if not SPARK_PYTHON.exists():
        print(f"{SPARK_PYTHON} is missing: `make bench-spark` installs the spark extra there")
        return 2
    lake = work / "lake"
    os.environ["YIBAO_LAKE_DIR"] = str(lake)  # stage_env copies the environment: the loader writes the lake
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"spark bench {size_name}: ~{lines:,} fee lines (scale {scale:.1f}) in {work}; child output in {log}")
    gen = run_child(
        [sys.executable, "-m", "synthetic", "--out", str(work / "landing"), "--seed", str(args.seed)]
        + ["--scale", f"{scale:.3f}"],
        stage_env(work),
        "generate (not timed as pipeline)",
        log=log,
    )
    if not gen["ok"]:
        return 1
    print("duckdb: ingest (writing the lake too), gate, dbt build")
    duck = run_stages(work, log)
    lake_files = sum(1 for _ in lake.rglob("*.parquet"))
    lake_mib = sum(p.stat().st_size for p in lake.rglob("*.parquet")) / 2**20
    print(f"lake {lake}: {lake_files:,} batch files, {lake_mib:,.0f} MiB")
    spark = run_spark(work, lake, log)
    compared = compare_hits(work / "warehouse.duckdb", work / "spark") if spark["ok"] else {}
    same = bool(compared) and all(h.same for h in compared.values())
    duck_dbt = sum(s["seconds"] for s in duck if s["stage"] not in ("ingest", "quality gate"))
    result = {
        "size": size_name,
        "scale": round(scale, 3),
        "started_utc": started,
        "cores": os.cpu_count(),
        "duckdb": {
            "stages": duck,
            "dbt_seconds": round(duck_dbt, 2),
            "peak_rss_mib": max(s["peak_rss_mib"] for s in duck),
        },
        "lake": {"files": lake_files, "mib": round(lake_mib, 1)},
        "spark": spark,
        "hits_per_rule": {r: {**asdict(h), "same": h.same} for r, h in compared.items()},
        "hits_identical_per_rule": same,
    }
    print()
    print(f"{'':<40}{'seconds':>10}{'peak RSS MiB':>14}")
    for s in duck:
        print(f"{'duckdb ' + s['stage']:<40}{s['seconds']:>10.1f}{s['peak_rss_mib']:>14}")
    print(f"{'duckdb: the dbt build':<40}{duck_dbt:>10.1f}")
    print(f"{'spark: JVM + raw tables + dbt build':<40}{spark['seconds']:>10.1f}{spark['peak_rss_mib']:>14}")
    if duck_dbt:
        print(f"spark ÷ duckdb (the dbt build) = {spark['seconds'] / duck_dbt:.1f}")
    if compared:
        differ = [f"{r} {h.describe()}" for r, h in compared.items() if not h.same]
        print(
            f"hits, duckdb vs spark: {sum(h.duckdb for h in compared.values()):,} vs "
            f"{sum(h.spark for h in compared.values()):,} — "
            + ("the same hit ids and amounts for every rule" if same else "DIFFERENT: " + "; ".join(differ))
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{size_name}-spark.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}; work directory {work}")
    if not args.keep:
        shutil.rmtree(work / "landing", ignore_errors=True)
    ok = all(s["ok"] for s in duck) and spark["ok"] and same
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
