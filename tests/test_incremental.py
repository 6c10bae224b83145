"""Incremental runs (issue 7): a new month loaded into a warehouse that holds a year, then built, gives
the rows a full rebuild from every delivery gives — also when the month brings a correction of an old
delivery (a line dropped, an amount changed), a refund of an old line, changed catalogue, person and
knowledge-point snapshots, and institutions delivering HIS charges or purchases for the first time.

The loader is incremental (the manifest skips files it holds, a correction replaces its batch); dbt
rebuilds the core models, and fct_rule_hits re-evaluates each rule only from the first date its inputs
changed (macros/rule_hits.sql), and fct_fee_line rebuilds only the lines whose inputs changed
(macros/fee_line_changes.sql) — the comparison with the full rebuild is what proves both right."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import load
from warehouse.settings import DBT_PROJECT_DIR, venv_bin

pytestmark = pytest.mark.slow

NEW_MONTH = "202601"
BUILD = ["--select", "+fct_rule_hits", "--exclude-resource-type", "test", "unit_test"]


def dbt_build(warehouse: Path, target: Path) -> dict:
    env = dict(
        os.environ, YIBAO_WAREHOUSE=str(warehouse), DBT_TARGET_PATH=str(target), DBT_LOG_PATH=str(target / "logs")
    )
    r = subprocess.run(
        [
            venv_bin("dbt"),
            "build",
            *BUILD,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target",
            "duckdb",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {x["unique_id"].split(".")[-1]: x for x in results}


def starts_of(warehouse: Path) -> dict:
    return dict(table(warehouse, "select rule_code, evaluated_from from build_state.fct_rule_hits__last_run"))


def copy_months(src: Path, dst: Path, keep) -> None:
    for p in sorted(src.rglob("*")):
        if p.is_file() and keep(p.parent.name):
            target = dst / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, target)


def table(warehouse: Path, sql: str) -> set:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert len(rows) == len(set(rows))
    return set(rows)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from synthetic import generate

    base = tmp_path_factory.mktemp("incremental")
    generate(base / "generated", seed=5, scale=0.05, months=13, truth=base / "truth.csv")
    return base / "generated"


def test_new_month_with_correction_refund_and_catalogue_change_equals_full_rebuild(generated, tmp_path):
    inc, full = tmp_path / "inc", tmp_path / "full"
    copy_months(generated, inc / "landing", lambda period: period < NEW_MONTH)
    # an institution whose HIS charges arrive for the first time late (step 8), for the new month only
    his_newcomer = sorted((inc / "landing" / "his_charge").rglob("*.csv"))[-1].name.split("_")[0]
    for held_back in (inc / "landing" / "his_charge").rglob(f"{his_newcomer}_*"):
        held_back.unlink()
    # … and one whose purchases (进销存) arrive for the first time late (step 8), for the new month only
    purchase_newcomer = next(
        code
        for code in reversed([f.name.split("_")[0] for f in sorted((generated / "inv_purchase" / NEW_MONTH).glob("*"))])
        if code != his_newcomer
    )
    for held_back in (inc / "landing" / "inv_purchase").rglob(f"{purchase_newcomer}_*"):
        held_back.unlink()
    load(inc / "landing", inc / "wh.duckdb")
    first = dbt_build(inc / "wh.duckdb", inc / "target")
    assert first["fct_fee_line"]["status"] == "success"
    ((newcomer_first_stay_line,),) = table(
        inc / "wh.duckdb",
        f"select min(fee_date) from core.fct_fee_line where fixmedins_code = '{his_newcomer}' and med_type = '21'",
    )
    assert newcomer_first_stay_line < date(2025, 6, 1), newcomer_first_stay_line

    # the new month arrives, with three kinds of change to what the warehouse already holds
    copy_months(generated, inc / "landing", lambda period: period >= NEW_MONTH)
    (newcomer_his,) = (inc / "landing" / "his_charge" / NEW_MONTH).glob(f"{his_newcomer}_*")
    shutil.move(newcomer_his, tmp_path / newcomer_his.name)
    (newcomer_purchases,) = (inc / "landing" / "inv_purchase" / NEW_MONTH).glob(f"{purchase_newcomer}_*")
    shutil.move(newcomer_purchases, tmp_path / newcomer_purchases.name)
    # 1. a correction of March: one line dropped, another line's amount changed (same file = same slot)
    march = next((inc / "landing" / "fee_list" / "202503").glob("*.parquet"))
    lines = pq.read_table(march).to_pylist()
    dropped, changed = lines[0]["feedetl_sn"], lines[1]["feedetl_sn"]
    lines[1]["det_item_fee_sumamt"] += Decimal("1.00")
    pq.write_table(pa.Table.from_pylist(lines[1:], schema=pq.read_schema(march)), march)
    # 2. a January 2026 refund of a February 2025 line
    feb = next((inc / "landing" / "fee_list" / "202502").glob("*.parquet"))
    original = next(r for r in pq.read_table(feb).to_pylist() if r["init_feedetl_sn"] is None and r["cnt"] > 0)
    jan = next((inc / "landing" / "fee_list" / NEW_MONTH).glob("*.parquet"))
    jan_rows = pq.read_table(jan).to_pylist()
    refund = dict(
        original,
        feedetl_sn="FDREFUND000001",
        init_feedetl_sn=original["feedetl_sn"],
        cnt=-original["cnt"],
        det_item_fee_sumamt=-original["det_item_fee_sumamt"],
    )
    pq.write_table(pa.Table.from_pylist(jan_rows + [refund], schema=pq.read_schema(jan)), jan)
    # 3. the new catalogue snapshot changes an item's name and price cap (no validity dates: all dates)
    hilist = next((inc / "landing" / "hilist" / NEW_MONTH).glob("*.csv"))
    with hilist.open(encoding="utf-8", newline="") as fh:
        cat = list(csv.DictReader(fh))
    item = original["hilist_code"]
    for row in cat:
        if row["hilist_code"] == item:
            row["hilist_name"] += "（新）"
            row["pric_uplmt_amt"] = str(Decimal(row["pric_uplmt_amt"] or "0") + 1)
            new_cap = Decimal(row["pric_uplmt_amt"])
    with hilist.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(cat[0]))
        w.writeheader()
        w.writerows(cat)

    # 4. the new person snapshot corrects the sex of the person of the first line billed (January
    #    2025: earlier than any other change, so only the person can make R10 start there)
    ((first_psn_no, first_line_on),) = table(
        inc / "wh.duckdb",
        "select psn_no, occurred_on from intermediate.int_billed_lines_unioned order by occurred_on, psn_no limit 1",
    )
    psn = next((inc / "landing" / "psn" / NEW_MONTH).glob("*.csv"))
    with psn.open(encoding="utf-8", newline="") as fh:
        persons = list(csv.DictReader(fh))
    (corrected,) = [row for row in persons if row["psn_no"] == first_psn_no]
    corrected["gend"] = "2" if corrected["gend"] == "1" else "1"
    with psn.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(persons[0]))
        w.writeheader()
        w.writerows(persons)

    # 5. the new knowledge-base snapshot renames the item of an R25 point valid since before the year: R25
    #    is evaluated again from that date, the other knowledge-point rules are not moved there by it
    kb = next((inc / "landing" / "kb_point" / NEW_MONTH).glob("*.csv"))
    with kb.open(encoding="utf-8", newline="") as fh:
        points = list(csv.DictReader(fh))
    (renamed,) = [p for p in points if p["知识点编号"] == "KBL-R25-01"]
    renamed["项目名称"] += "（修订）"
    r25_valid_from = date.fromisoformat(renamed["生效日期"])
    with kb.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(points[0]))
        w.writeheader()
        w.writerows(points)

    # 5b. a second refund, in the new month, of a line refunded once before, in months nothing else changes:
    #     the line is netted with both refunds, the earlier one too
    ((twice_refunded, refunded_before),) = table(
        inc / "wh.duckdb",
        "select o.feedetl_sn, o.refunded_cnt from core.fct_fee_line as o "
        "inner join core.fct_fee_line as r on r.init_feedetl_sn = o.feedetl_sn "
        "where not o.is_refund and not o.is_fully_refunded and o.refund_line_count = 1 "
        "and o.fee_date >= date '2025-04-01' and r.fee_date >= date '2025-04-01' and r.fee_date < date '2025-12-01' "
        f"and o.hilist_code <> '{item}' and o.psn_no <> '{first_psn_no}' order by o.feedetl_sn limit 1",
    )
    once = next(
        r
        for f in sorted((inc / "landing" / "fee_list").glob("2025*/*.parquet"))
        for r in pq.read_table(f).to_pylist()
        if r["feedetl_sn"] == twice_refunded
    )
    second_refund = dict(
        once,
        feedetl_sn="FDREFUND000002",
        init_feedetl_sn=twice_refunded,
        cnt=Decimal("-1"),
        det_item_fee_sumamt=-(once["det_item_fee_sumamt"] / once["cnt"]).quantize(Decimal("0.01")),
        fee_ocur_time=once["fee_ocur_time"].replace(year=2026, month=1),
    )
    jan_rows = pq.read_table(jan).to_pylist()
    pq.write_table(pa.Table.from_pylist(jan_rows + [second_refund], schema=pq.read_schema(jan)), jan)

    report = load(inc / "landing", inc / "wh.duckdb")
    status = {f.file: f for f in report.files}
    march_rel = march.relative_to(inc / "landing").as_posix()
    assert status[march_rel].status == "loaded" and status[march_rel].replaced_batch_id  # the correction
    year = [f for f in report.files if f.file.split("/")[1] < NEW_MONTH and f.file != march_rel]
    assert year and all(f.status == "unchanged" for f in year)  # the year is not read again
    assert all(f.status in ("loaded", "duplicate") for f in report.files if f.file.split("/")[1] == NEW_MONTH)
    con = duckdb.connect(str(inc / "wh.duckdb"), read_only=True)
    try:
        assert con.execute(
            "select status from raw.load_manifest where batch_id = ?", [status[march_rel].replaced_batch_id]
        ).fetchall() == [("replaced",)]
    finally:
        con.close()
    dbt_build(inc / "wh.duckdb", inc / "target")
    evaluated = dict(table(inc / "wh.duckdb", "select rule_code, evaluated from build_state.fct_rule_hits__last_run"))
    rule_views = list((DBT_PROJECT_DIR / "models" / "marts" / "supervision" / "rules").glob("vio_r*.sql"))
    assert len(evaluated) == len(rule_views)
    # rules evaluated by date re-read only the changed months (the correction, the refunded line, the
    # lines of the re-catalogued item, the new month); the others whose inputs changed are evaluated whole
    for rule in (
        *("R01", "R02", "R10", "R11", "R12", "R13", "R14", "R17", "R18", "R19"),
        *("R22", "R24", "R25", "R26", "R28", "R31"),
    ):
        assert evaluated[rule].startswith("hits from "), evaluated
    assert evaluated["R05"] == "all hits"  # fct_visit changed: no date window declared for R05
    # rules decided by one visit's rows judge again only the visits reaching the changed date, reading
    # from the earliest row of those visits
    scoped = table(
        inc / "wh.duckdb",
        "select rule_code, evaluated_from, read_from from build_state.fct_rule_hits__last_run where read_from is not null",
    )
    assert {rule for rule, _, _ in scoped} == {"R03", "R04", "R06", "R07", "R23", "R27", "R30"}, scoped
    assert all(" mdtrt_id values, read from " in evaluated[rule] for rule, _, _ in scoped), evaluated
    # R10 reads the person keyed to the line: the corrected person's lines are evaluated again, from the first
    ((r10_from,),) = table(
        inc / "wh.duckdb", "select evaluated_from from build_state.fct_rule_hits__last_run where rule_code = 'R10'"
    )
    assert first_line_on < date(2025, 2, 1) and r10_from <= first_line_on, (r10_from, first_line_on)
    # knowledge points are fingerprinted per rule: the R25 point moves R25's window, not R12's, R13's or R28's
    starts = starts_of(inc / "wh.duckdb")
    assert r25_valid_from < date(2025, 1, 1) and starts["R25"] <= r25_valid_from, (starts, r25_valid_from)
    assert all(starts[rule] >= date(2025, 1, 1) for rule in ("R12", "R13", "R28")), starts
    # fct_fee_line rebuilt the lines whose inputs changed, not the year
    rebuilt = table(
        inc / "wh.duckdb",
        "select full_build, lines_rebuilt, lines_total, changed_delivery_months, "
        "changed_catalogue_item_months from build_state.fct_fee_line__last_run",
    )
    ((full_build, lines_rebuilt, lines_total, months, catalogue_months),) = rebuilt
    assert not full_build and 0 < lines_rebuilt < lines_total / 2, rebuilt
    assert months.split(", ") == ["2025-02", "2025-03", NEW_MONTH[:4] + "-" + NEW_MONTH[4:]], rebuilt
    assert catalogue_months > 0
    shutil.copytree(inc / "landing", full / "landing")
    load(full / "landing", full / "wh.duckdb")
    dbt_build(full / "wh.duckdb", full / "target")

    fee_sql = "select * from core.fct_fee_line"
    a, b = table(inc / "wh.duckdb", fee_sql), table(full / "wh.duckdb", fee_sql)
    assert a == b, (len(a - b), sorted(a - b)[:3], sorted(b - a)[:3])
    hits_sql = "select * from supervision.fct_rule_hits"
    hits = table(inc / "wh.duckdb", hits_sql)
    assert hits == table(full / "wh.duckdb", hits_sql)

    # a run with nothing new evaluates no rule and keeps every hit
    dbt_build(inc / "wh.duckdb", inc / "target")
    assert set(
        dict(table(inc / "wh.duckdb", "select rule_code, evaluated from build_state.fct_rule_hits__last_run")).values()
    ) == {"unchanged"}
    assert table(inc / "wh.duckdb", "select lines_rebuilt from build_state.fct_fee_line__last_run") == {(0,)}
    assert table(inc / "wh.duckdb", hits_sql) == hits

    # the changes did reach the table
    got = {
        r[0]: r
        for r in table(
            inc / "wh.duckdb",
            "select feedetl_sn, det_item_fee_sumamt, refunded_amount, hilist_name from core.fct_fee_line",
        )
    }
    assert dropped not in got
    assert got[changed][1] == lines[1]["det_item_fee_sumamt"]
    assert got[original["feedetl_sn"]][2] == original["det_item_fee_sumamt"]
    assert table(
        inc / "wh.duckdb",
        f"select refund_line_count, refunded_cnt from core.fct_fee_line where feedetl_sn = '{twice_refunded}'",
    ) == {(2, refunded_before + 1)}
    caps = table(
        inc / "wh.duckdb",
        f"select distinct catalogue_pric_uplmt_amt from core.fct_fee_line where hilist_code = '{item}'",
    )
    assert caps == {(new_cap,)}, caps  # the newest snapshot is the current catalogue, for every date

    # 6. a correction of the new month adds a line billed in January 2026 to a stay admitted and discharged
    #    in January 2025 — R30 (fee outside the stay) re-evaluates from the new month, but can only find the line
    #    after discharge by reading the stay, a year before — the stays it judges again are read whole
    ((stay_id, stay_begin, stay_line),) = table(
        inc / "wh.duckdb",
        "select v.mdtrt_id, v.begin_date, min(f.feedetl_sn) from core.fct_visit as v "
        "inner join core.fct_fee_line as f on f.mdtrt_id = v.mdtrt_id "
        "where v.is_inpatient and not v.is_cancelled and v.end_date < date '2025-02-01' "
        "and not f.is_refund and not f.is_fully_refunded "
        "group by v.mdtrt_id, v.begin_date order by v.begin_date, v.mdtrt_id limit 1",
    )
    jan_2025 = pq.read_table(next((inc / "landing" / "fee_list" / "202501").glob("*.parquet"))).to_pylist()
    late = dict(next(r for r in jan_2025 if r["feedetl_sn"] == stay_line), feedetl_sn="FDLATE000001")
    late["fee_ocur_time"] = late["fee_ocur_time"].replace(year=2026)
    #    … and to a short stay that R07 finds exam-heavy, a copy of one of its other lines, a thousandfold:
    #    the stay is no longer exam-heavy, its hit (dated at admission, a year back) goes
    ((r07_stay, r07_line),) = table(
        inc / "wh.duckdb",
        "select h.mdtrt_id, min(f.feedetl_sn) from supervision.fct_rule_hits as h "
        "inner join core.fct_fee_line as f on f.mdtrt_id = h.mdtrt_id "
        "where h.rule_code = 'R07' and f.med_chrgitm_type not in ('03', '04') and not f.is_refund "
        "and not f.is_fully_refunded and h.occurred_on < date '2025-12-01' "
        "group by h.mdtrt_id order by h.mdtrt_id limit 1",
    )
    assert r07_stay != stay_id  # reached by the heavy line alone, not by the late one
    heavy = next(
        dict(r, feedetl_sn="FDLATE000002")
        for f in sorted((inc / "landing" / "fee_list").glob("2025*/*.parquet"))
        for r in pq.read_table(f).to_pylist()
        if r["feedetl_sn"] == r07_line
    )
    heavy["fee_ocur_time"] = heavy["fee_ocur_time"].replace(year=2026, month=1)
    heavy["cnt"] *= 1000
    heavy["det_item_fee_sumamt"] *= 1000
    january = pq.read_table(jan).to_pylist()
    pq.write_table(pa.Table.from_pylist(january + [late, heavy], schema=pq.read_schema(jan)), jan)
    load(inc / "landing", inc / "wh.duckdb")
    dbt_build(inc / "wh.duckdb", inc / "target")
    r07_hit = f"select 1 from supervision.fct_rule_hits where rule_code = 'R07' and mdtrt_id = '{r07_stay}'"
    assert table(inc / "wh.duckdb", r07_hit) == set()
    ((r30_from, r30_read_from),) = table(
        inc / "wh.duckdb",
        "select evaluated_from, read_from from build_state.fct_rule_hits__last_run where rule_code = 'R30'",
    )
    assert r30_from == date(2026, 1, 1) and r30_read_from <= stay_begin, (r30_from, r30_read_from, stay_begin)
    assert table(
        inc / "wh.duckdb",
        "select mdtrt_id from supervision.fct_rule_hits where rule_code = 'R30' and feedetl_sn = 'FDLATE000001'",
    ) == {(stay_id,)}

    # 7. a further correction withdraws the heavy line: nothing of that stay is dated in or after the changed
    #    month any more, yet its R07 hit comes back — the visit is reached through the fee lines' log of the
    #    lines a build replaced (build_state.fct_fee_line__replaced)
    pq.write_table(pa.Table.from_pylist(january + [late], schema=pq.read_schema(jan)), jan)
    load(inc / "landing", inc / "wh.duckdb")
    dbt_build(inc / "wh.duckdb", inc / "target")
    assert table(inc / "wh.duckdb", r07_hit) == {(1,)}
    ((r07_evaluated,),) = table(
        inc / "wh.duckdb", "select evaluated from build_state.fct_rule_hits__last_run where rule_code = 'R07'"
    )
    assert r07_evaluated.startswith("hits from 2026-01-01 of "), r07_evaluated
    # every scoped rule has read the log: nothing of it is kept
    assert table(inc / "wh.duckdb", "select count(*) from build_state.fct_fee_line__replaced") == {(0,)}

    # 8. the institution held back delivers HIS charges for the first time, for the new month only: its
    #    uploads of the whole year now meet HIS data (none counting as 0). R22 reads the institutions
    #    delivering HIS data keyed, so it is evaluated again from the newcomer's first fee line, which the
    #    new HIS month alone would not reach. Likewise the institution held back delivers purchases for
    #    the first time: R17 now judges its lines of the whole year, from its first billed line
    newcomer_hits_sql = (
        "select count(*) from supervision.fct_rule_hits where rule_code = '{}' and fixmedins_code = '{}'"
    )
    newcomer_r22 = newcomer_hits_sql.format("R22", his_newcomer)
    newcomer_r17 = newcomer_hits_sql.format("R17", purchase_newcomer)
    assert table(inc / "wh.duckdb", newcomer_r22) == table(inc / "wh.duckdb", newcomer_r17) == {(0,)}
    ((newcomer_first_line,),) = table(
        inc / "wh.duckdb", f"select min(fee_date) from core.fct_fee_line where fixmedins_code = '{his_newcomer}'"
    )
    ((purchase_newcomer_first_line,),) = table(
        inc / "wh.duckdb",
        "select min(occurred_on) from intermediate.int_billed_lines_unioned "
        f"where fixmedins_code = '{purchase_newcomer}'",
    )
    assert purchase_newcomer_first_line < date(2025, 6, 1), purchase_newcomer_first_line
    shutil.move(tmp_path / newcomer_his.name, newcomer_his)
    shutil.move(tmp_path / newcomer_purchases.name, newcomer_purchases)
    load(inc / "landing", inc / "wh.duckdb")
    dbt_build(inc / "wh.duckdb", inc / "target")
    starts = starts_of(inc / "wh.duckdb")
    assert starts["R22"] == newcomer_first_line <= newcomer_first_stay_line, (starts["R22"], newcomer_first_line)
    assert starts["R17"] == purchase_newcomer_first_line, (starts["R17"], purchase_newcomer_first_line)
    for newcomer_sql in (newcomer_r22, newcomer_r17):
        ((newcomer_hits,),) = table(inc / "wh.duckdb", newcomer_sql)
        assert newcomer_hits > 0, newcomer_sql
    shutil.rmtree(full)
    shutil.copytree(inc / "landing", full / "landing")
    load(full / "landing", full / "wh.duckdb")
    dbt_build(full / "wh.duckdb", full / "target")
    hits = table(inc / "wh.duckdb", hits_sql)
    assert hits == table(full / "wh.duckdb", hits_sql), (len(hits ^ table(full / "wh.duckdb", hits_sql)),)
