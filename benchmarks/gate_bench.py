"""Benchmark the quality gate: wall time and peak memory at 1M and 10M fee lines.

    .venv/bin/python -m benchmarks.gate_bench [--sizes 1000000 10000000] [--dir DIR] [--keep]
                                              [--feeds fee_list setl] [--memory-limit 1GB]

Builds a warehouse per size directly with DuckDB SQL (raw tables created by the loader's own
``ensure_schema``): fee lines N, settlements and visits N/10 (ten lines each), diagnoses N/10,
persons N/20, 300 institutions, 5,000 catalogue items, 2,000 practitioners — over 12 monthly
deliveries of the centre, with a manifest row per delivery. The data is consistent (every
settlement adds up), so the numbers are for a clean run; ``--broken`` additionally breaks 0.1 % of
the settlements and fee lines, which adds the per-delivery breakdown queries.

Each size is validated in a fresh child process (peak RSS = ``ru_maxrss`` of that process:
Python + GX + DuckDB). The target is ≤ 60 s and ≤ 2 GB for 10M fee lines on a 2-core machine.
Timings on shared machines are noisy: run twice and read the better one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

PERIODS = [f"2023{m:02d}" for m in range(1, 13)]
CENTRE = "320100"


def _lineage(feed: str, period_expr: str, line_expr: str) -> str:
    batch = f"substr(md5('{feed}' || {period_expr}), 1, 16)"
    file = f"'{feed}/' || {period_expr} || '/{CENTRE}_{feed}_' || {period_expr} || '.parquet'"
    return (
        f"null as _extra, {file} as _file, "
        f"md5('{feed}' || {period_expr}) || md5({period_expr}) as _sha256, {batch} as _batch_id, "
        f"{line_expr} as _line, '{CENTRE}' as _sender, {period_expr} as _period, '' as _seq, "
        f"timestamp '2024-01-05 08:00:00' as _loaded_at, 'bench' as _run_id"
    )


def build_warehouse(path: Path, n_lines: int, broken: bool = False) -> None:
    import duckdb

    from ingest.check_digits import certno_check_char_sql
    from ingest.manifest import ensure_schema

    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        n_setl = n_lines // 10
        n_psn = max(n_lines // 20, 100)
        con.execute(f"""
            create temp table p as select i,
                '320102' || strftime(date '1950-01-01' + cast(i % 20000 as integer), '%Y%m%d')
                  || lpad(cast(i % 1000 as varchar), 3, '0') as body
            from range({n_psn}) t(i)""")
        con.execute(f"""
            insert into raw.psn by name select 'P' || i as psn_no,
                body || {certno_check_char_sql("body")} as certno,
                '参保人' || i as psn_name,
                case when cast(substr(body, 17, 1) as integer) % 2 = 1 then '1' else '2' end as gend,
                cast(strptime(substr(body, 7, 8), '%Y%m%d') as date) as brdy, '310' as insutype,
                '320102' as insu_admdvs, null as die_date, null as tel,
                {_lineage("psn", "'202312'", "i + 2")}
            from p""")
        con.execute(f"""
            insert into raw.fixmedins by name select 'H' || lpad(cast(i as varchar), 4, '0') as fixmedins_code,
                '医院' || i as fixmedins_name, '1' as fixmedins_type, cast(1 + i % 3 as varchar) as hosp_lv,
                '1' as econ_type, '320102' as admdvs, null as uscc,
                {_lineage("fixmedins", "'202312'", "i + 2")}
            from range(300) t(i)""")
        con.execute(f"""
            insert into raw.hilist by name select 'X' || lpad(cast(i as varchar), 5, '0') as hilist_code,
                '项目' || i as hilist_name, '101' as list_type, '01' as chrgitm_lv, '09' as med_chrgitm_type,
                1000 as pric_uplmt_amt, {_lineage("hilist", "'202312'", "i + 2")}
            from range(5000) t(i)""")
        con.execute(f"""
            insert into raw.practitioner by name select 'D' || i as dr_code, '医生' || i as dr_name,
                'H' || lpad(cast(i % 300 as varchar), 4, '0') as fixmedins_code, '1' as cert_status,
                {_lineage("practitioner", "'202312'", "i + 2")}
            from range(2000) t(i)""")
        # visits and settlements: settlement s in month (s % 12) + 1
        per = "'2023' || lpad(cast(s % 12 + 1 as varchar), 2, '0')"
        day = "cast(strptime(" + per + " || lpad(cast(s % 28 + 1 as varchar), 2, '0'), '%Y%m%d') as timestamp)"
        con.execute(f"""
            insert into raw.mdtrt by name select 'M' || s as mdtrt_id, 'P' || (s % {n_psn}) as psn_no,
                'H' || lpad(cast(s % 300 as varchar), 4, '0') as fixmedins_code,
                case when s % 20 = 0 then '21' else '11' end as med_type,
                {day} + interval 8 hour as begntime, {day} + interval 11 hour as endtime,
                'J06.900' as dscg_maindiag_code, '上呼吸道感染' as dscg_maindiag_name,
                'D' || (s % 2000) as atddr_code, '1' as dscg_way, '320102' as insu_admdvs,
                {_lineage("mdtrt", per, "s // 12 + 2")}
            from range({n_setl}) t(s)""")
        con.execute(f"""
            insert into raw.setl_diag by name select 'M' || s as mdtrt_id, 'J06.900' as diag_code,
                '上呼吸道感染' as diag_name, '1' as maindiag_flag, {_lineage("setl_diag", per, "s // 12 + 2")}
            from range({n_setl}) t(s)""")
        # fee lines: line j belongs to settlement j // 10
        con.execute(f"""
            insert into raw.fee_list by name select 'F' || j as feedetl_sn, 'M' || (j // 10) as mdtrt_id,
                'S' || (j // 10) as setl_id, 'P' || ((j // 10) % {n_psn}) as psn_no,
                'H' || lpad(cast((j // 10) % 300 as varchar), 4, '0') as fixmedins_code,
                cast(strptime('2023' || lpad(cast((j // 10) % 12 + 1 as varchar), 2, '0')
                     || lpad(cast((j // 10) % 28 + 1 as varchar), 2, '0'), '%Y%m%d') as timestamp)
                  + interval 9 hour as fee_ocur_time,
                'X' || lpad(cast(j % 5000 as varchar), 5, '0') as hilist_code, '项目' as hilist_name,
                '101' as list_type, '09' as med_chrgitm_type, cast(j % 5 + 1 as decimal(18,4)) as cnt,
                cast((j % 97 + 1) * 1.25 as decimal(18,4)) as pric,
                cast((j % 5 + 1) * (j % 97 + 1) * 1.25 as decimal(18,2)) as det_item_fee_sumamt,
                'D' || (j % 2000) as bilg_dr_code,
                {_lineage("fee_list", "'2023' || lpad(cast((j // 10) % 12 + 1 as varchar), 2, '0')", "j // 120 + 2")}
            from range({n_lines}) t(j)""")
        con.execute(f"""
            insert into raw.setl by name select l.setl_id, 'M' || s as mdtrt_id, 'P' || (s % {n_psn}) as psn_no,
                'H' || lpad(cast(s % 300 as varchar), 4, '0') as fixmedins_code,
                {day} + interval 12 hour as setl_time, l.total as medfee_sumamt,
                round(l.total * 0.6, 2) as fund_pay_sumamt, round(l.total * 0.1, 2) as acct_pay,
                l.total - round(l.total * 0.6, 2) - round(l.total * 0.1, 2) as psn_cash_pay,
                '01' as mdtrt_cert_type, '0' as refd_setl_flag, {_lineage("setl", per, "s // 12 + 2")}
            from (select setl_id, cast(substr(setl_id, 2) as bigint) as s, sum(det_item_fee_sumamt) as total
                  from raw.fee_list group by setl_id) l""")
        if broken:
            con.execute("update raw.setl set medfee_sumamt = medfee_sumamt + 1 where hash(setl_id) % 1000 = 0")
            con.execute(
                "update raw.fee_list set det_item_fee_sumamt = det_item_fee_sumamt + 1 "
                "where hash(feedetl_sn) % 1000 = 0"
            )
        for feed in ("psn", "fixmedins", "hilist", "practitioner", "mdtrt", "setl_diag", "fee_list", "setl"):
            con.execute(f"""
                insert into raw.load_manifest (file, sha256, size_bytes, feed, sender, period, seq, format,
                    status, batch_id, rows_read, rows_loaded, rows_quarantined, run_id, loaded_at)
                select any_value(_file), any_value(_sha256), 0, '{feed}', '{CENTRE}', _period, '', 'parquet',
                    'loaded', _batch_id, count(*), count(*), 0, 'bench', timestamp '2024-01-05 08:00:00'
                from raw."{feed}" group by _batch_id, _period""")
        con.execute("checkpoint")
    finally:
        con.close()


def child(warehouse: Path, out: Path, feeds: list[str], memory_limit: str | None, threads: int | None) -> None:
    import datetime as dt

    t0 = time.perf_counter()
    import great_expectations  # noqa: F401 - timed separately: 2-4 s, paid once per process

    from expectations.runner import run_gate

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = run_gate(warehouse, out, feeds=feeds, today_=dt.date(2024, 1, 10), memory_limit=memory_limit, threads=threads)
    report = {
        "import_s": round(t_import, 2),
        "gate_s": round(res.seconds, 2),
        "docs_s": round(res.docs_seconds, 2),
        "passed": res.passed,
        "feeds": {
            f: {
                "rows": fr.rows,
                "expectations": len(fr.outcomes),
                "gx_s": round(fr.gx_seconds, 2),
                "breakdown_s": round(fr.breakdown_seconds, 2),
                "critical_failed": fr.critical_failed,
                "warning_failed": fr.warning_failed,
                "deliveries": len(fr.batches),
            }
            for f, fr in res.feeds.items()
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print("RESULT " + json.dumps(report))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--dir", type=Path, default=Path("data/bench"))
    ap.add_argument("--keep", action="store_true", help="reuse an existing warehouse of the same size")
    ap.add_argument("--broken", action="store_true", help="break 0.1%% of settlements and fee lines")
    ap.add_argument("--feeds", nargs="+", default=["fee_list", "setl"])
    ap.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit for the gate's connection")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--child", nargs=2, metavar=("WAREHOUSE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(
            Path(args.child[0]),
            Path(args.child[1]),
            args.feeds,
            None if args.memory_limit in ("", "none") else args.memory_limit,
            args.threads,
        )
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    print(
        f"gate benchmark on {os.cpu_count()} cores (shared machines: timings are noisy); "
        f"feeds {args.feeds}, DuckDB memory_limit {args.memory_limit}"
    )
    for n in args.sizes:
        wh = args.dir / f"gate_{n}{'_broken' if args.broken else ''}.duckdb"
        if not (args.keep and wh.exists()):
            t = time.perf_counter()
            build_warehouse(wh, n, broken=args.broken)
            print(f"  built {wh} ({n:,} fee lines) in {time.perf_counter() - t:.1f}s")
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.gate_bench",
            "--child",
            str(wh),
            str(args.dir / f"out_{n}"),
            "--feeds",
            *args.feeds,
            "--memory-limit",
            args.memory_limit,
        ]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or not line:
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            return 1
        r = json.loads(line[7:])
        print(
            f"{n:>11,} fee lines: gate {r['gate_s']:.1f}s (+ import {r['import_s']:.1f}s; docs {r['docs_s']:.1f}s; "
            f"process wall {wall:.1f}s), peak RSS {r['peak_rss_mb']:,} MB, passed={r['passed']}"
        )
        for f, fr in r["feeds"].items():
            print(
                f"    {f:<9} {fr['rows']:>11,} rows, {fr['expectations']} expectations: GX {fr['gx_s']:.1f}s, "
                f"breakdown {fr['breakdown_s']:.1f}s, failed critical {fr['critical_failed']} / "
                f"warning {fr['warning_failed']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
