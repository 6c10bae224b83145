"""Reference evaluation of the behaviour rules R30, R31, R32 and R34 over a generated landing tree.

Part of ``synthetic.oracle`` (which calls :func:`hits` with its loaded connection): written apart from
the warehouse's dbt views, R30–R32 in plain DuckDB SQL over the delivered files and R34's groups with a
union-find in Python instead of SQL label propagation.

Readings shared with the rule views: a settlement counts when it is not a reversal (``refd_setl_flag``
0) and no reversal points at it; a visit counts when it has such a settlement; visits are dated by
``begntime``, settlements by ``setl_time``; a stay without a discharge time is checked only for lines
before its admission (R30) and never contains an outpatient visit (R32).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb

# RULES.md defaults (dbt vars)
FREQUENT_OPT_DAYS = 15
FREQUENT_PHARMACY_DAYS = 12
FREQUENT_ADMISSIONS = 6
GANG_MIN_DAYS = 4
GANG_MIN_SIZE = 3

_EFFECTIVE = """
    create or replace temp table beh_effective_setl as
    select s.* from setl2 s
    where s.refd_setl_flag = '0'
      and s.setl_id not in (select init_setl_id from setl2 where init_setl_id is not null);
    create or replace temp table beh_visit as
    select v.*, cast(v.begntime as timestamp) as begn_ts from visit v
    where v.mdtrt_id in (select mdtrt_id from beh_effective_setl);
"""

SQL: dict[str, str] = {
    "R30": """
        select 'R30', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o join beh_visit v on v.mdtrt_id = o.mdtrt_id
        where v.med_type = '21' and o.net_cnt > 0
          and (o.day < v.bday or (v.endtime is not null and o.day > v.eday))""",
    "R31": f"""
        with ab as (
            select *, dense_rank() over (partition by psn_no, med_type in ('11', '14'), date_trunc('month', bday)
                                         order by bday) as n
            from beh_visit where med_type in ('11', '14', '41')),
        c as (
            select *, row_number() over (partition by psn_no, year(bday) order by begn_ts, mdtrt_id) as n
            from beh_visit where med_type = '21')
        select 'R31', fixmedins_code, psn_no, mdtrt_id, null, null, null, null, bday from ab
        where (med_type in ('11', '14') and n > {FREQUENT_OPT_DAYS})
           or (med_type = '41' and n > {FREQUENT_PHARMACY_DAYS})
        union all
        select 'R31', fixmedins_code, psn_no, mdtrt_id, null, null, null, null, bday from c
        where n > {FREQUENT_ADMISSIONS}""",
    "R32": """
        select distinct 'R32', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, null, null, null, o.bday
        from beh_visit o join beh_visit s
             on s.psn_no = o.psn_no and s.fixmedins_code = o.fixmedins_code and s.med_type = '21'
             and s.endtime is not null and o.bday > s.bday and o.bday < s.eday
        where o.med_type in ('11', '14')""",
}


def _quarter(d: dt.date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3


def _find(parent: dict[str, str], x: str) -> str:
    """Union-find root of x (path halving)."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def group_visit_hits(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """R34: links, connected components (union-find) and the member settlements on group days."""
    rows = con.execute(
        "select fixmedins_code, psn_no, setl_id, mdtrt_id, cast(ts as date) from beh_effective_setl"
    ).fetchall()
    days: dict[tuple, dict[str, set]] = defaultdict(lambda: defaultdict(set))  # (inst, q) -> psn -> days
    for inst, psn, _, _, d in rows:
        days[(inst, _quarter(d))][psn].add(d)
    member_of: dict[tuple, str] = {}  # (inst, q, psn) -> group root
    for key, per_psn in days.items():
        regulars = {p: ds for p, ds in per_psn.items() if len(ds) >= GANG_MIN_DAYS}
        by_day: dict[dt.date, list[str]] = defaultdict(list)
        for p, ds in regulars.items():
            for d in ds:
                by_day[d].append(p)
        shared: dict[tuple[str, str], int] = defaultdict(int)
        for ps in by_day.values():
            ps.sort()
            for i, a in enumerate(ps):
                for b in ps[i + 1 :]:
                    shared[(a, b)] += 1
        parent: dict[str, str] = {}
        for (a, b), n in shared.items():
            if n >= GANG_MIN_DAYS:
                parent.setdefault(a, a)
                parent.setdefault(b, b)
                ra, rb = _find(parent, a), _find(parent, b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        comps: dict[str, list[str]] = defaultdict(list)
        for p in parent:
            comps[_find(parent, p)].append(p)
        for root, ps in comps.items():
            if len(ps) >= GANG_MIN_SIZE:
                for p in ps:
                    member_of[(*key, p)] = root
    present: dict[tuple, set] = defaultdict(set)  # (inst, q, root, day) -> members
    for inst, psn, _, _, d in rows:
        root = member_of.get((inst, _quarter(d), psn))
        if root is not None:
            present[(inst, _quarter(d), root, d)].add(psn)
    out = []
    for inst, psn, setl_id, mdtrt_id, d in rows:
        root = member_of.get((inst, _quarter(d), psn))
        if root is not None and len(present[(inst, _quarter(d), root, d)]) >= 2:
            out.append(("R34", inst, psn, mdtrt_id, setl_id, None, None, None, d))
    return out


def hits(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every R30, R31, R32 and R34 hit as (rule_code, fixmedins_code, psn_no, mdtrt_id, setl_id,
    feedetl_sn, sale_sn, hilist_code, occurred_on)."""
    con.execute(_EFFECTIVE)
    out: list[tuple] = []
    for sql in SQL.values():
        out.extend(con.execute(sql).fetchall())
    out.extend(group_visit_hits(con))
    return out
