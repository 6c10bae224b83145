"""End-to-end benchmark: wall time and peak RSS per pipeline stage at ~1M or ~10M fee lines.

    .venv/bin/python -m benchmarks.bench [--size 1m|10m|<lines>] [--dir DIR] [--keep] [--no-baseline]
                                         [--knowledge-base none|national]
    make bench BENCH_SIZE=1m        # or 10m
    make bench BENCH_SIZE=1m BENCH_KB=national   # with a national-size knowledge base

1. generates a landing tree with ``synthetic`` (≈47,000 fee lines × scale, other feeds in
   proportion; not part of the pipeline's time);
2. runs the stages one after another as child processes, so that peak RSS (``ru_maxrss`` from
   ``os.wait4``: the child and everything it waited for) is the stage's own: ingest
   (``python -m ingest.load``), quality gate (``expectations.runner.run_gate`` and the verdicts it
   records in ``quality.delivery_quality``, as the Dagster asset check does), then **one**
   ``dbt build`` — as the Dagster asset runs it (``orchestration/assets/dbt.py``), data tests
   included, unit tests not (``warehouse.settings.PRODUCTION_BUILD_ARGS``). Its nodes are split into
   the stages staging + core (with seeds), rule views (intermediate + ``vio_*``) and clues +
   reports (``fct_rule_hits``, ``mart_clue*``, ``supervisor_*``, ``rpt_*``); a test belongs to the
   stage of the last model it reads. A stage's time is the sum of its nodes' times from dbt's
   ``run_results.json``; its peak RSS the highest RSS of the dbt process sampled every 0.1 s while
   one of its nodes ran. What the command spent outside nodes (start-up: parse, adapter, graph;
   between nodes) is its own row, "dbt start-up and between nodes" (with the whole command's peak
   RSS). Nodes run one at a time (the duckdb target's ``threads: 1``), so their times add up;
   After the build, **each rule view once on its own** (``evaluate_rule_views``): on DuckDB the
   ``vio_*`` nodes only create views and every rule runs inside ``fct_rule_hits``' post-hook fill
   (one insert per view, ``macros/rule_hits.sql``), which dbt times as one node. So one child process
   per view opens the built warehouse read-only with the pipeline's DuckDB settings (time zone,
   ``YIBAO_DUCKDB_MEMORY_LIMIT`` — default 3 GB — and ``YIBAO_DUCKDB_THREADS``) and runs ``create temp
   table … as select * from <view>``, what the fill inserts: the statement's wall time, the hit count,
   and the child's ``ru_maxrss`` as the rule's peak RSS (≈ 100 MiB of it is Python + DuckDB). The rule
   layer = the sum of the rules' seconds, the highest of their peaks. Each view's own dbt node (time
   and sampled RSS, creating the view) is kept beside it in the results;
3. measures start-up costs separately (also child processes): ``import dagster`` + loading the
   project's Definitions, ``import great_expectations``, and a dbt invocation that selects
   nothing (parse + adapter start) — part of the dbt row above;
4. bare-DuckDB baseline, one child process: read every delivered file DuckDB can read natively
   (Parquet, CSV) into tables, then — on a copy of the pipeline's raw tables and seeds, copied
   before the clock starts — run the SQL dbt compiled for every model, in dependency order,
   straight against DuckDB (``create table``/``create view``), no dbt, no GX, no Dagster;
5. prints a stage table, the ratios and the per-rule table (rule, view, hits, seconds, peak RSS, and
   the layer's total), writes ``benchmarks/results/<size>.json``.

``--knowledge-base national`` (``BENCH_KB=national``) writes a national-size knowledge base
(``benchmarks/kb_national.py``: 5,400 points, ≈ 260,000 code rows) into the landing tree after it is
generated, so ingest, gate and rules read it like any delivered feed; the results go to
``<size>-kb.json``. When both ``<size>.json`` and ``<size>-kb.json`` exist, the rule layer's time and
peak RSS without and with the knowledge base are printed side by side against the targets (with ≤ 2×
without; peak RSS ≤ 4 GiB).

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
import tempfile
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

# the gate as the Dagster asset runs it: validate (what changed since the recorded verdicts), then record
GATE_CODE = """
import sys
from pathlib import Path
from expectations.quality import write_delivery_quality_file
from expectations.runner import run_gate
from warehouse.settings import settings
cfg = settings()
wh = Path(sys.argv[1])
r = run_gate(wh, Path(sys.argv[2]), memory_limit=cfg.duckdb_memory_limit, threads=cfg.duckdb_threads)
write_delivery_quality_file(wh, r)
for fr in r.feeds.values():
    print(f"{fr.feed}: {fr.scope_note} ({fr.seconds:.1f}s)")
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


def run_dbt_build(env: dict, log: Path, rule_nodes: dict | None = None) -> list[dict]:
    """One ``dbt build`` (as production runs it), its time and memory split into the dbt stages.

    ``rule_nodes``, when given, receives each ``vio_*`` model node's own figures (``dbt_seconds``,
    ``dbt_peak_rss_mib``: creating the view, and the fill's share is not in it — see
    ``evaluate_rule_views``)."""
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
        interval = (_unix(times[0]["started_at"]), _unix(times[-1]["completed_at"])) if times else None
        if interval:
            st["intervals"].append(interval)
        if rule_nodes is not None and is_rule_view(node):
            rule_nodes[node["name"]] = {
                "dbt_seconds": round(r["execution_time"], 2),
                "dbt_peak_rss_mib": round(sampler.peak([interval])) if interval else None,
                "dbt_status": r["status"],
            }
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


def run_stages(work: Path, log: Path, rule_nodes: dict | None = None) -> list[dict]:
    """The pipeline's stages on ``work``'s landing tree and warehouse, each a timed child process."""
    env, py = stage_env(work), sys.executable
    landing, wh = work / "landing", work / "warehouse.duckdb"
    stages = [
        run_child([py, "-m", "ingest.load", "--landing", str(landing), "--warehouse", str(wh)], env, "ingest", log=log)
    ]
    stages.append(run_child([py, "-c", GATE_CODE, str(wh), str(work / "outputs")], env, "quality gate", log=log))
    return stages + run_dbt_build(env, log, rule_nodes)


# One rule view evaluated on its own, in a fresh process on the built warehouse, under the DuckDB
# settings dbt's profile gives the pipeline (time zone, memory limit, threads).
RULE_EVAL_CODE = r"""
import json, os, sys, time, duckdb
from warehouse.pseudonym import register_udfs

db, relation = sys.argv[1], sys.argv[2]
con = duckdb.connect(db, read_only=True)
con.execute("set TimeZone = 'Asia/Shanghai'")
memory = os.environ.get("YIBAO_DUCKDB_MEMORY_LIMIT") or "3GB"
con.execute(f"set memory_limit = '{'80%' if memory.lower() == 'auto' else memory}'")
con.execute(f"set threads = {int(os.environ.get('YIBAO_DUCKDB_THREADS') or 4)}")
register_udfs(con)
t0 = time.perf_counter()
con.execute(f"create temp table rule_eval as select * from {relation}")
seconds = time.perf_counter() - t0
hits = con.execute("select count(*) from rule_eval").fetchone()[0]
print("RULE_EVAL " + json.dumps({"hits": hits, "seconds": round(seconds, 3)}), flush=True)
"""
RULE_LAYER = "rule layer (every rule view once)"


def is_rule_view(node: dict) -> bool:
    return node.get("resource_type") == "model" and node.get("name", "").startswith("vio_r")


def rule_views_of(manifest_nodes: dict) -> list[dict]:
    """The project's rule views in a manifest: name, rule code (meta.rule_code, else from the name),
    relation; ordered by rule number."""
    views = []
    for node in manifest_nodes.values():
        if is_rule_view(node):
            meta = (node.get("config") or {}).get("meta") or {}
            code = meta.get("rule_code") or node["name"][4:7].upper()
            views.append({"rule": code, "view": node["name"], "relation": node["relation_name"]})
    return sorted(views, key=lambda v: (v["rule"], v["view"]))


def parse_rule_eval(output: str) -> dict | None:
    """The figures a rule-evaluation child printed (its last ``RULE_EVAL {json}`` line), or None."""
    found = None
    for line in output.splitlines():
        if line.startswith("RULE_EVAL "):
            try:
                found = json.loads(line[len("RULE_EVAL ") :])
            except ValueError:
                found = None
    return found


def evaluate_rule_views(
    env: dict, wh: Path, log: Path, rule_nodes: dict | None = None, timeout: float | None = None
) -> dict:
    """Each rule view evaluated once on its own (hits, seconds, peak RSS) and the rule layer's total.

    On DuckDB the ``vio_*`` nodes of the build only create views; the rules run inside
    ``fct_rule_hits``' fill (one insert per view in a single post-hook), so the build cannot say what
    each rule costs. Here, after the build, one child process per view connects to the built
    warehouse (read-only, the pipeline's memory limit and threads), runs
    ``create temp table … as select * from <view>`` — what the fill inserts — and reports the
    statement's wall time and the hit count; peak RSS is the child's ``ru_maxrss`` (DuckDB's buffers
    for that one rule plus the Python + DuckDB process itself, ≈ 100 MiB). The layer total is the sum
    of the rules' seconds and the highest of their peaks. A rule still running after ``timeout``
    seconds is stopped and counted with that time as ``timed_out`` (its figures a lower bound).
    """
    manifest = Path(env["DBT_TARGET_PATH"]) / "manifest.json"
    try:
        views = rule_views_of(json.loads(manifest.read_text())["nodes"])
    except (OSError, ValueError, KeyError):
        views = []
    rows = []
    for v in views:
        t0 = time.perf_counter()
        with tempfile.TemporaryFile() as buf:
            p = subprocess.Popen(
                [sys.executable, "-c", RULE_EVAL_CODE, str(wh), v["relation"]],
                env=env,
                cwd=REPO,
                stdout=buf,
                stderr=subprocess.STDOUT,
            )
            timed_out = False
            while True:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if timeout is not None and time.perf_counter() - t0 > timeout:
                    timed_out = True
                    p.kill()
                    _, status, ru = os.wait4(p.pid, 0)
                    break
                time.sleep(0.05)
            p.returncode = os.waitstatus_to_exitcode(status)
            buf.seek(0)
            out = buf.read().decode("utf-8", "replace")
        wall = time.perf_counter() - t0
        figures = parse_rule_eval(out)
        ok = p.returncode == 0 and figures is not None
        if not ok:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"--- rule evaluation {v['view']} {'timed out' if timed_out else 'failed'}\n{out}\n")
        row = {
            **v,
            "hits": figures["hits"] if figures else None,
            "seconds": figures["seconds"] if figures else round(wall, 2),
            "peak_rss_mib": round(ru.ru_maxrss / 1024),
            "ok": ok,
            "timed_out": timed_out,
            **((rule_nodes or {}).get(v["view"]) or {}),
        }
        rows.append(row)
        print(
            f"    {v['rule']} {v['view']}: {row['hits'] if ok else '?':>9} hits {row['seconds']:7.2f} s"
            f"  peak RSS {row['peak_rss_mib']:6d} MiB"
            + ("" if ok else f"  {'TIMED OUT' if timed_out else 'FAILED'} (see {log})"),
            flush=True,
        )
    total = {
        "stage": RULE_LAYER,
        "rules": len(rows),
        "hits": sum(r["hits"] or 0 for r in rows),
        "seconds": round(sum(r["seconds"] for r in rows), 2),
        "peak_rss_mib": max((r["peak_rss_mib"] for r in rows), default=0),
        "ok": bool(rows) and all(r["ok"] for r in rows),
        "timed_out": [r["rule"] for r in rows if r.get("timed_out")],
    }
    return {"rules": rows, "total": total, "timeout_seconds": timeout}


def rule_table(rule_layer: dict) -> list[str]:
    """The per-rule table as printed: rule, view, hits, seconds, peak RSS; then the layer's total."""
    lines = [f"{'rule':<6}{'view':<44}{'hits':>10}{'seconds':>10}{'peak RSS MiB':>14}"]
    for r in rule_layer["rules"]:
        hits = f"{r['hits']:,}" if r["hits"] is not None else "?"
        flag = "" if r["ok"] else ("  TIMED OUT (at least)" if r.get("timed_out") else "  FAILED")
        lines.append(f"{r['rule']:<6}{r['view']:<44}{hits:>10}{r['seconds']:>10.2f}{r['peak_rss_mib']:>14}{flag}")
    t = rule_layer["total"]
    lines.append(f"{'all':<6}{RULE_LAYER:<44}{t['hits']:>10,}{t['seconds']:>10.2f}{t['peak_rss_mib']:>14}")
    return lines


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


KB_TIME_TARGET = 2.0  # rule layer time with the national knowledge base ÷ without
RSS_TARGET_MIB = 4 * 1024


def kb_comparison(plain: dict, kb: dict) -> list[dict]:
    """Rule layer and whole-run figures without and with the knowledge base, against the targets."""
    rows = []

    def add(what: str, a, b, target: str = "", met=None):
        rows.append({"what": what, "without_kb": a, "with_kb": b, "target": target, "met": met})

    pl, kl = plain.get("rule_layer") or {}, kb.get("rule_layer") or {}
    pt, kt = pl.get("total") or {}, kl.get("total") or {}
    if pt and kt:
        ratio = round(kt["seconds"] / pt["seconds"], 2) if pt["seconds"] else None
        add("rule layer seconds", pt["seconds"], kt["seconds"])
        add(
            "rule layer time with ÷ without",
            None,
            ratio,
            f"≤ {KB_TIME_TARGET:g}",
            ratio is not None and ratio <= KB_TIME_TARGET,
        )
        add(
            "rule layer peak RSS MiB",
            pt["peak_rss_mib"],
            kt["peak_rss_mib"],
            f"≤ {RSS_TARGET_MIB:,}",
            kt["peak_rss_mib"] <= RSS_TARGET_MIB,
        )
        add("rule hits", pt["hits"], kt["hits"])
        both = {r["rule"] for r in pl.get("rules", [])} & {r["rule"] for r in kl.get("rules", [])}
        if both and len(both) < max(len(pl.get("rules", [])), len(kl.get("rules", []))):
            # rules only one run has (e.g. rules that read nothing but the knowledge base): also like for like
            a = round(sum(r["seconds"] for r in pl["rules"] if r["rule"] in both), 2)
            b = round(sum(r["seconds"] for r in kl["rules"] if r["rule"] in both), 2)
            add(f"rule layer seconds, the {len(both)} rules of both runs", a, b)
            ratio = round(b / a, 2) if a else None
            add(
                f"  with ÷ without, the {len(both)} rules of both",
                None,
                ratio,
                f"≤ {KB_TIME_TARGET:g}",
                ratio is not None and ratio <= KB_TIME_TARGET,
            )
    dbt_plain = {s["stage"]: s for s in plain.get("stages", [])}
    dbt_kb = {s["stage"]: s for s in kb.get("stages", [])}
    for stage in ("rule views", "clues + reports"):
        if stage in dbt_plain and stage in dbt_kb:
            add(f"dbt: {stage} seconds", dbt_plain[stage]["seconds"], dbt_kb[stage]["seconds"])
    pe, ke = plain.get("end_to_end") or {}, kb.get("end_to_end") or {}
    if pe and ke:
        add("end to end seconds", pe["seconds"], ke["seconds"])
        add(
            "end to end peak RSS MiB",
            pe["peak_rss_mib"],
            ke["peak_rss_mib"],
            f"≤ {RSS_TARGET_MIB:,}",
            ke["peak_rss_mib"] <= RSS_TARGET_MIB,
        )
    plain_rules = {r["rule"]: r for r in pl.get("rules", [])}
    for r in kl.get("rules", []):
        p = plain_rules.get(r["rule"], {})
        add(f"{r['rule']} seconds (hits)", _with_hits(p), _with_hits(r))
    return rows


def _with_hits(r: dict) -> str | None:
    return f"{r['seconds']:.2f} ({r['hits']:,})" if r and r.get("hits") is not None else None


def kb_suffix(with_kb: bool, points_per_code: int | None) -> str:
    """The results file's suffix: '' without the knowledge base, '-kb', '-kb-cap<N>' with a cap per code."""
    if not with_kb:
        return ""
    return "-kb" + (f"-cap{points_per_code}" if points_per_code is not None else "")


def print_kb_comparison(size_name: str, suffix: str = "-kb") -> list[dict] | None:
    """Side by side, when both results/<size>.json and results/<size><suffix>.json exist."""
    a, b = RESULTS / f"{size_name}.json", RESULTS / f"{size_name}{suffix}.json"
    if not (a.exists() and b.exists()):
        return None
    plain, kb = json.loads(a.read_text()), json.loads(b.read_text())
    rows = kb_comparison(plain, kb)
    print(
        f"\nwithout and with the national knowledge base "
        f"({a.name}: {plain.get('started_utc')}, {b.name}: {kb.get('started_utc')})"
    )
    print(f"{'':<40}{'without KB':>16}{'with KB':>16}  target")
    for r in rows:
        verdict = "" if r["met"] is None else (": met" if r["met"] else ": MISSED")
        a_, b_ = ("" if r["without_kb"] is None else r["without_kb"]), ("" if r["with_kb"] is None else r["with_kb"])
        print(f"{r['what']:<40}{a_!s:>16}{b_!s:>16}  {r['target']}{verdict}")
    return rows


def rules_only(work: Path, target: Path, timeout: float | None) -> int:
    """Each rule view on the warehouse and dbt target a run left in ``work`` (e.g. a build stopped
    during fct_rule_hits' fill: the views exist once the rule-view stage has run)."""
    wh = work / "warehouse.duckdb"
    if not (wh.exists() and (work / "dbt_target" / "manifest.json").exists()):
        raise SystemExit(f"{work}: no warehouse.duckdb and dbt_target/manifest.json from an earlier run")
    print(f"each rule view evaluated on its own on {wh}")
    rule_layer = evaluate_rule_views(stage_env(work), wh, work / "bench.log", timeout=timeout)
    result = json.loads(target.read_text()) if target.exists() else {}
    result["rule_layer"] = rule_layer
    result["rule_layer_evaluated_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for line in rule_table(rule_layer):
        print(line)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}")
    return 0 if rule_layer["total"]["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__, "<size>")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--knowledge-base",
        choices=("none", "national"),
        default=os.environ.get("BENCH_KB") or "none",
        help="national: deliver a national-size knowledge base (kb_point, kb_point_code) with the landing tree; "
        "results go to <size>-kb.json",
    )
    ap.add_argument(
        "--kb-points-per-code",
        type=int,
        default=int(os.environ["BENCH_KB_POINTS_PER_CODE"]) if os.environ.get("BENCH_KB_POINTS_PER_CODE") else None,
        help="with --knowledge-base national: at most N points of a rule per catalogue code (default: no cap, "
        "the catalogue's codes fill over half the code rows); results go to <size>-kb-cap<N>.json",
    )
    ap.add_argument("--rule-timeout", type=float, help="stop a rule's evaluation after this many seconds")
    ap.add_argument(
        "--rules-only",
        action="store_true",
        help="only evaluate each rule view on the warehouse an earlier run kept in the work directory; "
        "the figures replace rule_layer in its results file",
    )
    args = ap.parse_args(argv)

    size_name = args.size.lower()
    lines = parse_size(size_name)
    scale = lines / LINES_PER_SCALE
    with_kb = args.knowledge_base == "national"
    run_name = size_name + kb_suffix(with_kb, args.kb_points_per_code)
    work = (args.dir or REPO / "data" / "bench" / run_name).resolve()
    landing, wh = work / "landing", work / "warehouse.duckdb"
    log = work / "bench.log"
    if args.rules_only:
        return rules_only(work, RESULTS / f"{run_name}.json", args.rule_timeout)
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
    knowledge_base = None
    if with_kb:
        from benchmarks import kb_national

        print("writing the national-size knowledge base into the landing tree (not timed as pipeline)")
        t0 = time.perf_counter()
        knowledge_base = kb_national.write_landing(landing, seed=args.seed, points_per_code=args.kb_points_per_code)
        knowledge_base["seconds"] = round(time.perf_counter() - t0, 2)
    landing_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())

    manifest = REPO / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():  # a fresh checkout: Dagster's Definitions read dbt's parsed manifest
        print("parsing the dbt project for Dagster's Definitions (not timed)")
        subprocess.run(
            dbt_cmd("parse", "--quiet"),
            env={**env, "DBT_TARGET_PATH": str(manifest.parent)},
            cwd=REPO,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    print("start-up costs")
    startup = {
        "dagster (import + Definitions)": run_child([py, "-c", DAGSTER_STARTUP_CODE], env, "dagster start-up", log=log),
        "great_expectations import": run_child([py, "-c", GX_STARTUP_CODE], env, "GX import", log=log),
        "dbt (one command, nothing selected)": run_child(
            dbt_cmd("run", "--select", "path:models/does_not_exist"), env, "dbt start-up", log=log
        ),
    }

    print("pipeline stages")
    rule_nodes: dict = {}
    stages = run_stages(work, log, rule_nodes)
    print("each rule view evaluated on its own (child process per view, on the built warehouse)")
    rule_layer = evaluate_rule_views(env, wh, log, rule_nodes, timeout=args.rule_timeout)

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
        "knowledge_base": knowledge_base,
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
        "rule_layer": rule_layer,
        "baseline": baseline,
        "ratios": {"pipeline_over_baseline": round(e2e["seconds"] / baseline["seconds"], 2) if baseline else None},
    }
    suffix = kb_suffix(with_kb, args.kb_points_per_code)
    other = RESULTS / (f"1m{suffix}.json" if size_name == "10m" else f"10m{suffix}.json")
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
    print()
    print("rule views, each evaluated once on its own")
    for line in rule_table(rule_layer):
        print(line)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{run_name}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}")
    for kb_result in sorted(RESULTS.glob(f"{size_name}-kb*.json")):
        print_kb_comparison(size_name, kb_result.stem[len(size_name) :])
    if not args.keep:
        shutil.rmtree(landing, ignore_errors=True)
        shutil.rmtree(work / "baseline", ignore_errors=True)
    return 0 if e2e["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
