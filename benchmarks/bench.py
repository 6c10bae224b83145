"""End-to-end benchmark: wall time and peak RSS per pipeline stage at ~1M or ~10M fee lines.

    .venv/bin/python -m benchmarks.bench [--size 1m|10m|<lines>] [--dir DIR] [--keep] [--no-baseline]
    make bench BENCH_SIZE=1m        # or 10m

1. generates a landing tree with ``synthetic`` (≈47,000 fee lines × scale, other feeds in
   proportion; not part of the pipeline's time);
2. runs the stages one after another as child processes, so that peak RSS (``ru_maxrss`` from
   ``os.wait4``: the child and everything it waited for) is the stage's own: ingest
   (``python -m ingest.load``), quality gate (``expectations.runner.run_gate``), then **one**
   ``dbt build`` — as the Dagster asset runs it (``orchestration/assets/dbt.py``), data tests
   included, unit tests not (``warehouse.settings.PRODUCTION_BUILD_ARGS``). Its nodes are split into
   the stages staging + core (with seeds), rule views (intermediate + ``vio_*``) and clues +
   reports (``fct_rule_hits``, ``mart_clue*``, ``supervisor_*``, ``rpt_*``); a test belongs to the
   stage of the last model it reads. A stage's time is the sum of its nodes' times from dbt's
   ``run_results.json``; its peak RSS the highest RSS of the dbt process sampled every 0.1 s while
   one of its nodes ran. What the command spent outside nodes (start-up: parse, adapter, graph;
   between nodes) is its own row, "dbt start-up and between nodes" (with the whole command's peak
   RSS). Nodes run one at a time (the duckdb target's ``threads: 1``), so their times add up;
3. measures start-up costs separately (also child processes): ``import dagster`` + loading the
   project's Definitions, ``import great_expectations``, and a dbt invocation that selects
   nothing (parse + adapter start) — part of the dbt row above;
4. bare-DuckDB baseline, one child process: read every delivered file DuckDB can read natively
   (Parquet, CSV) into tables, then — on a copy of the pipeline's raw tables and seeds, copied
   before the clock starts — run the SQL dbt compiled for every model, in dependency order,
   straight against DuckDB (``create table``/``create view``), no dbt, no GX, no Dagster;
5. prints a stage table and the ratios, writes ``benchmarks/results/<size>.json``.

"End to end" = ingest + gate + the dbt command + the Dagster start-up (``make run`` pays it; the
stages here run without Dagster so that each has its own time and memory).
Timings on shared 2-core machines are noisy: run twice and read the better one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from warehouse.settings import PRODUCTION_BUILD_ARGS

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
LINES_PER_SCALE = 47_000
SIZES = {"1m": 1_000_000, "10m": 10_000_000}

# the dbt build's stages, by the path of a node's file under dbt_project/ (first match wins)
DBT_STAGES = {
    "staging + core": ("seeds/", "models/staging/", "models/marts/core/"),
    "rule views": ("models/intermediate/supervision/", "models/marts/supervision/rules/vio_"),
    "clues + reports": ("models/",),
}
DBT_OVERHEAD = "dbt start-up and between nodes"  # its peak RSS: the whole dbt command's (ru_maxrss)

GATE_CODE = """
import sys
from pathlib import Path
from expectations.runner import run_gate
from warehouse.settings import settings
cfg = settings()
r = run_gate(Path(sys.argv[1]), Path(sys.argv[2]), memory_limit=cfg.duckdb_memory_limit, threads=cfg.duckdb_threads)
print(f"gate: {len(r.feeds)} feeds validated in {r.seconds:.1f}s")
"""

DAGSTER_STARTUP_CODE = (
    "import dagster\nfrom orchestration.definitions import defs\ndefs.resolve_job_def('materialize_all')\n"
)
GX_STARTUP_CODE = "import great_expectations\n"


def parse_size(s: str) -> int:
    s = s.lower().strip()
    if s in SIZES:
        return SIZES[s]
    if s.endswith("m"):
        return int(float(s[:-1]) * 1_000_000)
    if s.endswith("k"):
        return int(float(s[:-1]) * 1_000)
    return int(s)


def run_child(cmd: list[str], env: dict, label: str, cwd: Path = REPO, log: Path | None = None) -> dict:
    """Run one child; wall time and its peak RSS (os.wait4: the child and its waited-for children)."""
    print(f"  … {label}", flush=True)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if log:
        out.close()
    rss_mib = ru.ru_maxrss / 1024  # Linux: KiB
    ok = p.returncode == 0
    print(
        f"    {label}: {wall:7.1f} s  peak RSS {rss_mib:7.0f} MiB{'' if ok else '  FAILED (see ' + str(log) + ')'}",
        flush=True,
    )
    return {"stage": label, "seconds": round(wall, 2), "peak_rss_mib": round(rss_mib), "ok": ok}


class RssSampler:
    """RSS of one process, sampled every ``period`` seconds in a thread: [(unix time, MiB)]."""

    def __init__(self, pid: int, period: float = 0.1):
        self.pid, self.period, self.samples = pid, period, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self._stop.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.samples.append((time.time(), int(line.split()[1]) / 1024))
                        break
            except OSError:
                return  # the process has ended
            self._stop.wait(self.period)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, intervals: list[tuple[float, float]]) -> float:
        """Highest sample within the intervals; for an interval shorter than the sampling period, the
        sample just after it (the process's RSS then)."""
        inside = [mib for t, mib in self.samples if any(a <= t <= b for a, b in intervals)]
        after = [next((mib for t, mib in self.samples if t >= b), 0.0) for _, b in intervals]
        return max(inside + after, default=0.0)


def _unix(ts: str) -> float:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def dbt_stage_of(node: dict, nodes: dict) -> str:
    """The stage of a run_results node: by its file, a test by the last stage among what it reads."""
    order = list(DBT_STAGES)
    if node["resource_type"] == "test":
        # a test of a raw source alone (not a node here) goes with staging
        parents = [nodes[d] for d in node["depends_on"]["nodes"] if d in nodes]
        return max((dbt_stage_of(p, nodes) for p in parents), key=order.index, default=order[0])
    path = node["original_file_path"]
    return next((label for label, prefixes in DBT_STAGES.items() if path.startswith(prefixes)), order[-1])


def run_dbt_build(env: dict, log: Path) -> list[dict]:
    """One ``dbt build`` (as production runs it), its time and memory split into the dbt stages."""
    label = "dbt build"
    print(f"  … {label}", flush=True)
    target = Path(env["DBT_TARGET_PATH"])
    (target / "run_results.json").unlink(missing_ok=True)
    with open(log, "ab") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            dbt_cmd("build", *PRODUCTION_BUILD_ARGS), env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
        sampler = RssSampler(p.pid)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop()
    ok = os.waitstatus_to_exitcode(status) == 0
    try:
        results = json.loads((target / "run_results.json").read_text())["results"]
        nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        results, nodes = [], {}
    stages = {
        name: {"stage": name, "seconds": 0.0, "intervals": [], "nodes": 0, "ok": bool(results)} for name in DBT_STAGES
    }
    for r in results:
        node = nodes.get(r["unique_id"])
        if node is None:
            continue
        st = stages[dbt_stage_of(node, nodes)]
        st["seconds"] += r["execution_time"]
        st["nodes"] += 1
        st["ok"] = st["ok"] and r["status"] in ("success", "pass", "warn")  # a warn-severity test passes
        times = [t for t in r.get("timing", []) if t.get("started_at") and t.get("completed_at")]
        if times:
            st["intervals"].append((_unix(times[0]["started_at"]), _unix(times[-1]["completed_at"])))
    out_rows = []
    for st in stages.values():
        out_rows.append(
            {
                "stage": st["stage"],
                "seconds": round(st["seconds"], 2),
                "peak_rss_mib": round(sampler.peak(st["intervals"])),
                "ok": st["ok"] and ok,
                "dbt_nodes": st["nodes"],
            }
        )
    in_nodes = sum(st["seconds"] for st in stages.values())
    out_rows.append(
        {
            "stage": DBT_OVERHEAD,
            "seconds": round(wall - in_nodes, 2),
            "peak_rss_mib": round(ru.ru_maxrss / 1024),
            "ok": ok,
        }
    )
    for row in out_rows:
        print(
            f"    {row['stage']}: {row['seconds']:7.1f} s  peak RSS {row['peak_rss_mib']:7.0f} MiB"
            + ("" if row["ok"] else f"  FAILED (see {log})"),
            flush=True,
        )
    return out_rows


def dbt_cmd(*args: str) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [
        str(dbt),
        *args,
        "--project-dir",
        str(REPO / "dbt_project"),
        "--profiles-dir",
        str(REPO / "dbt_project"),
        "--target",
        "duckdb",
    ]


def stage_env(work: Path) -> dict:
    """Environment of every child: the landing tree, warehouse, outputs and dbt dirs under ``work``."""
    env = dict(os.environ)
    env.update(
        {
            "YIBAO_LANDING_DIR": str(work / "landing"),
            "YIBAO_WAREHOUSE": str(work / "warehouse.duckdb"),
            "YIBAO_OUTPUT_DIR": str(work / "outputs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "False",
            "DAGSTER_HOME": str(work / "dagster_home"),
            "PYTHONUNBUFFERED": "1",
            "DBT_TARGET_PATH": str(work / "dbt_target"),
            "DBT_LOG_PATH": str(work / "dbt_logs"),
        }
    )
    return env


def run_stages(work: Path, log: Path) -> list[dict]:
    """The pipeline's stages on ``work``'s landing tree and warehouse, each a timed child process."""
    env, py = stage_env(work), sys.executable
    landing, wh = work / "landing", work / "warehouse.duckdb"
    stages = [
        run_child([py, "-m", "ingest.load", "--landing", str(landing), "--warehouse", str(wh)], env, "ingest", log=log)
    ]
    stages.append(run_child([py, "-c", GATE_CODE, str(wh), str(work / "outputs")], env, "quality gate", log=log))
    return stages + run_dbt_build(env, log)


BASELINE_CODE = r"""
import json, sys, time, duckdb
from pathlib import Path
from warehouse.settings import settings
from warehouse.pseudonym import register_udfs

landing, db, manifest_path, out = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
con = duckdb.connect(db)
cfg = settings()  # the same DuckDB limits as the pipeline's
if cfg.duckdb_memory_limit:
    con.execute(f"set memory_limit = '{cfg.duckdb_memory_limit}'")
if cfg.duckdb_threads:
    con.execute(f"set threads = {int(cfg.duckdb_threads)}")
register_udfs(con)
res = {}
# 1. read every delivered file DuckDB reads natively into a table
t0 = time.perf_counter()
n_files = n_rows = skipped = 0
con.execute("create schema if not exists bare")
for i, f in enumerate(sorted(p for p in landing.rglob("*") if p.is_file())):
    suf = "".join(f.suffixes).lower()
    if suf.endswith(".parquet"):
        src = f"read_parquet('{f}')"
    elif suf.endswith(".csv") or suf.endswith(".csv.gz") or suf.endswith(".txt"):
        src = f"read_csv('{f}', all_varchar=true, ignore_errors=true)"
    else:
        skipped += 1
        continue
    try:
        con.execute(f"create table bare.t{i} as select * from {src}")
        n_rows += con.execute(f"select count(*) from bare.t{i}").fetchone()[0]
        n_files += 1
    except duckdb.Error:
        skipped += 1  # e.g. GB18030-encoded CSV: DuckDB has no decoder here
res["read_files_seconds"] = time.perf_counter() - t0
res.update(files_read=n_files, rows_read=n_rows, files_skipped=skipped)
con.execute("drop schema bare cascade")

# 2. the SQL dbt compiled, every model in dependency order
m = json.loads(Path(manifest_path).read_text())
nodes = {k: v for k, v in m["nodes"].items() if v["resource_type"] == "model"}
order, seen = [], set()
def visit(k):
    if k in seen or k not in nodes:
        return
    seen.add(k)
    for d in nodes[k]["depends_on"]["nodes"]:
        visit(d)
    order.append(k)
for k in sorted(nodes):
    visit(k)
for k in order:  # drop what the pipeline built (before the clock): the baseline builds it again
    n = nodes[k]
    row = con.execute("select table_type from information_schema.tables where table_schema = ? "
                      "and table_name = ?", [n["schema"], n["alias"]]).fetchone()
    if row:
        con.execute(f"drop {'view' if row[0] == 'VIEW' else 'table'} {n['relation_name']} cascade")
t0 = time.perf_counter()
n_models = 0
relation_of = {n["name"]: n["relation_name"] for n in nodes.values()}
for k in order:
    n = nodes[k]
    mat = n["config"]["materialized"]
    if mat == "ephemeral":
        continue
    sql = n.get("compiled_code")
    if not sql:
        raise SystemExit(f"{k} has no compiled code")
    kind = "view" if mat == "view" else "table"
    rel = n["relation_name"]
    con.execute(f"create or replace {kind} {rel} as {sql}")
    if kind == "view":
        con.execute(f"select count(*) from {rel}").fetchone()  # a view costs when it is read
    # fct_rule_hits is filled by a post-hook from its rule views (meta filled_from): here a bare
    # insert of each view, i.e. a full build without the incremental bookkeeping
    for source in (n["config"].get("meta") or {}).get("filled_from") or []:
        con.execute(f"insert into {rel} by name select * from {relation_of[source]}")
    n_models += 1
res["model_sql_seconds"] = time.perf_counter() - t0
res["models"] = n_models
con.close()
Path(out).write_text(json.dumps(res))
"""


def arg_parser(doc: str, work_default: str) -> argparse.ArgumentParser:
    """The options every benchmark takes (size, work directory, seed, keep)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default=os.environ.get("BENCH_SIZE", "1m"), help="1m, 10m or a number of fee lines")
    ap.add_argument("--dir", type=Path, help=f"work directory (default data/bench/{work_default})")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", action="store_true", help="keep the landing trees and warehouses")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__, "<size>")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args(argv)

    size_name = args.size.lower()
    lines = parse_size(size_name)
    scale = lines / LINES_PER_SCALE
    work = (args.dir or REPO / "data" / "bench" / size_name).resolve()
    landing, wh = work / "landing", work / "warehouse.duckdb"
    log = work / "bench.log"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    env = stage_env(work)
    (work / "dagster_home").mkdir()
    shutil.copy(REPO / "orchestration" / "dagster.yaml", work / "dagster_home" / "dagster.yaml")
    py = sys.executable
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"bench {size_name}: ~{lines:,} fee lines (scale {scale:.1f}) in {work}; child output in {log}")

    print("generating the landing tree (not timed as pipeline)")
    gen = run_child(
        [py, "-m", "synthetic", "--out", str(landing), "--seed", str(args.seed), "--scale", f"{scale:.3f}"],
        env,
        "generate",
        log=log,
    )
    landing_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())

    print("start-up costs")
    startup = {
        "dagster (import + Definitions)": run_child([py, "-c", DAGSTER_STARTUP_CODE], env, "dagster start-up", log=log),
        "great_expectations import": run_child([py, "-c", GX_STARTUP_CODE], env, "GX import", log=log),
        "dbt (one command, nothing selected)": run_child(
            dbt_cmd("run", "--select", "path:models/does_not_exist"), env, "dbt start-up", log=log
        ),
    }

    print("pipeline stages")
    stages = run_stages(work, log)

    fee_lines = None
    try:
        import duckdb

        with duckdb.connect(str(wh), read_only=True) as con:
            fee_lines = con.execute("select count(*) from raw.fee_list").fetchone()[0]
    except Exception as e:  # noqa: BLE001
        print(f"  (could not count raw.fee_list: {e})")

    dagster_s = startup["dagster (import + Definitions)"]["seconds"]
    stage_s = sum(s["seconds"] for s in stages)
    e2e = {
        "seconds": round(stage_s + dagster_s, 2),
        "peak_rss_mib": max(
            [s["peak_rss_mib"] for s in stages] + [startup["dagster (import + Definitions)"]["peak_rss_mib"]]
        ),
        "ok": all(s["ok"] for s in stages),
    }
    startup_in_pipeline = (
        dagster_s
        + startup["great_expectations import"]["seconds"]
        + startup["dbt (one command, nothing selected)"]["seconds"]
    )

    baseline = None
    if not args.no_baseline and e2e["ok"]:
        print("bare-DuckDB baseline (one process)")
        base_dir = work / "baseline"
        base_dir.mkdir()
        base_db = base_dir / wh.name  # same file name = same catalog name as in dbt's compiled SQL
        # --full-refresh: an incremental model compiles to its full-build SQL
        subprocess.run(
            dbt_cmd("compile", "--quiet", "--full-refresh"), env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL
        )
        shutil.copy(wh, base_db)  # the loader-shaped raw tables and seeds, before the clock
        out = base_dir / "baseline.json"
        b = run_child(
            [py, "-c", BASELINE_CODE, str(landing), str(base_db), str(work / "dbt_target" / "manifest.json"), str(out)],
            env,
            "baseline",
            log=log,
        )
        if b["ok"]:
            detail = json.loads(out.read_text())
            baseline = {**b, **{k: (round(v, 2) if isinstance(v, float) else v) for k, v in detail.items()}}
            baseline["seconds"] = round(detail["read_files_seconds"] + detail["model_sql_seconds"], 2)

    result = {
        "size": size_name,
        "target_fee_lines": lines,
        "fee_lines_loaded": fee_lines,
        "scale": round(scale, 3),
        "landing_mib": round(landing_bytes / 2**20),
        "started_utc": started,
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "note": "shared machine: timings are noisy",
        },
        "generate": gen,
        "startup": startup,
        "startup_seconds_in_pipeline": round(startup_in_pipeline, 2),
        "stages": stages,
        "end_to_end": e2e,
        "baseline": baseline,
        "ratios": {"pipeline_over_baseline": round(e2e["seconds"] / baseline["seconds"], 2) if baseline else None},
    }
    other = RESULTS / ("1m.json" if size_name == "10m" else "10m.json")
    if size_name in SIZES and other.exists():
        o = json.loads(other.read_text())
        t1, t10 = (o, result) if size_name == "10m" else (result, o)
        result["ratios"]["time_10m_over_1m"] = round(t10["end_to_end"]["seconds"] / t1["end_to_end"]["seconds"], 2)

    print()
    print(f"{'stage':<38}{'seconds':>10}{'peak RSS MiB':>14}")
    for name, s in startup.items():
        print(f"{'start-up: ' + name:<38}{s['seconds']:>10.1f}{s['peak_rss_mib']:>14}")
    for s in stages:
        print(f"{s['stage']:<38}{s['seconds']:>10.1f}{s['peak_rss_mib']:>14}{'' if s['ok'] else '  FAILED'}")
    print(f"{'end to end (stages + Dagster start-up)':<38}{e2e['seconds']:>10.1f}{e2e['peak_rss_mib']:>14}")
    print(f"  of which start-up (Dagster + GX import + the dbt command) ≈ {startup_in_pipeline:.1f} s")
    if baseline:
        print(
            f"{'bare-DuckDB baseline':<38}{baseline['seconds']:>10.1f}{baseline['peak_rss_mib']:>14}"
            f"   (read {baseline['files_read']} files {baseline['read_files_seconds']:.1f} s, "
            f"{baseline['models']} models' SQL {baseline['model_sql_seconds']:.1f} s)"
        )
    for k, v in result["ratios"].items():
        print(f"ratio {k}: {v}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{size_name}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}")
    if not args.keep:
        shutil.rmtree(landing, ignore_errors=True)
        shutil.rmtree(work / "baseline", ignore_errors=True)
    return 0 if e2e["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
