"""Reference evaluation of R33 (机构费用指标异常) over the tables ``oracle.load`` builds.

Independent of the dbt models: the indicators come straight from the delivered settlements, visits and
fee lines, and the peer statistics are computed in Python (``statistics.median``), not with SQL
percentiles. Readings (the ones the rule's docs write down): a settlement counts when it is no reversal
and nothing reverses it; its fee lines and its visit belong to the quarter of its ``setl_time``; a
visit counts once per quarter; the item type is the catalogue's (the uploaded one where the catalogue
has none); 平均住院日 counts discharged stays, a stay's days being max(discharge − admission, 1).
"""

from __future__ import annotations

import statistics

import duckdb

PEER_MIN_VISITS = 30
PEER_MIN_MEMBERS = 4
PEER_Z = 3.0

INDICATORS = ("drug_share", "exam_lab_share", "consumable_share", "avg_ipt_cost", "avg_los", "avg_opt_cost")

_SQL = """
with
reversed as (select distinct init_setl_id from setl where init_setl_id is not null),
live as (
    select s.setl_id, s.mdtrt_id, s.fixmedins_code,
           date_trunc('quarter', cast(s.setl_time as timestamp)) as q
    from setl s
    where coalesce(s.refd_setl_flag, '0') = '0' and s.init_setl_id is null
      and s.setl_id not in (select init_setl_id from reversed)),
hosp as (select fixmedins_code, cast(hosp_lv as int) as lv from fixmedins
         where fixmedins_type = '1' and hosp_lv is not null),
ln as (
    select l.q, l.fixmedins_code, l.mdtrt_id, v.med_type,
           cast(f.det_item_fee_sumamt as decimal(18, 2)) as amt,
           coalesce(i.typ, f.med_chrgitm_type) as typ
    from fee_list f join live l on l.setl_id = f.setl_id
    join visit v on v.mdtrt_id = l.mdtrt_id
    left join item i on i.hilist_code = f.hilist_code),
amounts as (
    select q, fixmedins_code,
           sum(amt) as total,
           sum(case when typ in ('09', '10', '11') then amt else 0 end) as drug,
           sum(case when typ in ('03', '04') then amt else 0 end) as exam,
           sum(case when typ = '08' then amt else 0 end) as cons,
           sum(case when med_type = '21' then amt else 0 end) as ipt_amt,
           sum(case when med_type in ('11', '14') then amt else 0 end) as opt_amt
    from ln group by all),
vis as (
    select distinct l.q, l.fixmedins_code, l.mdtrt_id, v.med_type, v.los, v.endtime
    from live l join visit v on v.mdtrt_id = l.mdtrt_id),
counts as (
    select q, fixmedins_code,
           count(*) as visits,
           count(*) filter (where med_type = '21') as stays,
           count(*) filter (where med_type = '21' and endtime is not null) as los_stays,
           sum(case when med_type = '21' and endtime is not null then los else 0 end) as bed_days,
           count(*) filter (where med_type in ('11', '14')) as opt_visits
    from vis group by all)
select h.lv, c.q, c.fixmedins_code, c.visits, c.stays, c.los_stays, c.bed_days, c.opt_visits,
       coalesce(a.total, 0), coalesce(a.drug, 0), coalesce(a.exam, 0), coalesce(a.cons, 0),
       coalesce(a.ipt_amt, 0), coalesce(a.opt_amt, 0)
from counts c join hosp h using (fixmedins_code)
left join amounts a using (q, fixmedins_code)
order by c.q, c.fixmedins_code
"""


def indicator_values(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One row per hospital × quarter × indicator: lv, quarter, code, value, visits of the kind."""
    out = []
    for lv, q, code, visits, stays, los_stays, bed_days, opt_visits, total, drug, exam, cons, ipt, opt in con.execute(
        _SQL
    ).fetchall():
        total, drug, exam, cons, ipt, opt = (float(x) for x in (total, drug, exam, cons, ipt, opt))
        base = {"lv": lv, "quarter": q.date() if hasattr(q, "date") else q, "fixmedins_code": code}
        vals = {
            "drug_share": (drug, total, visits),
            "exam_lab_share": (exam, total, visits),
            "consumable_share": (cons, total, visits),
            "avg_ipt_cost": (ipt, stays, stays),
            "avg_los": (bed_days, los_stays, los_stays),
            "avg_opt_cost": (opt, opt_visits, opt_visits),
        }
        for name, (num, den, n) in vals.items():
            # 6 decimals: the same ratio of different totals is one value (the rule's reading)
            x = round(float(num) / float(den), 6) if den else None
            out.append({**base, "indicator": name, "value": x, "visits": n})
    return out


def scores(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every evaluated hospital × quarter × indicator with its robust z (peer median and MAD)."""
    rows = indicator_values(con)
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["value"] is not None and r["visits"] >= PEER_MIN_VISITS:
            groups.setdefault((r["lv"], r["quarter"], r["indicator"]), []).append(r)
    out = []
    for members in groups.values():
        if len(members) < PEER_MIN_MEMBERS:
            continue
        med = statistics.median(m["value"] for m in members)
        mad = statistics.median(abs(m["value"] - med) for m in members)
        if mad == 0:
            continue
        for m in members:
            out.append({**m, "median": med, "mad": mad, "z": (m["value"] - med) / (1.4826 * mad)})
    return out


def r33_hits(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return [
        {
            "rule_code": "R33",
            "fixmedins_code": s["fixmedins_code"],
            "psn_no": None,
            "mdtrt_id": None,
            "setl_id": None,
            "feedetl_sn": None,
            "sale_sn": None,
            "hilist_code": None,
            "occurred_on": s["quarter"],
        }
        for s in scores(con)
        if s["z"] >= PEER_Z
    ]
