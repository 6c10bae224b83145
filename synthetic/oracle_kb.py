"""The reference check of the knowledge-driven rules: the point-driven parts of R03, R04, R10–R13 and
R23–R29, read literally from RULES.md / KNOWLEDGE_BASE.md over the delivered files.

Like ``oracle``, it verifies the generator and is not the warehouse's implementation. It runs on the
connection ``oracle.load`` filled (fee lines net of refunds ``orig``, live pharmacy sales ``sale_live``,
visits, persons, institutions, the catalogue) and reads the newest snapshot of ``kb_point`` /
``kb_point_code`` itself. Readings:

* billed lines = not-fully-refunded hospital fee lines (net of their refunds) and non-returned pharmacy
  sale lines; a pharmacy's own fee lines are not read again. For a sale, "the visit" is its settlement;
* a point applies to a line whose calendar date lies in [valid_from, valid_to] (empty = unbounded); a
  R03 pair needs both lines' dates in it; R29 dates a visit by its begin date;
* ICD-10 prefixes (``lmt_dise_codes``, ``icd10`` codes) and diagnoses compare without dots, upper case;
* "lines in time order" = by fee / sale time, then ``feedetl_sn`` / ``sale_sn``;
* R24 (a) the rolling total counts the lines of [d − N + 1, d] up to and including the line; (b) a
  billing day is a day with a billed line of the point's items;
* R29 counts visits with a settlement that was not reversed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.specs import resolve_header

from .kb_points import KB_FEEDS, landing_files, spec

COLS = "rule_code, fixmedins_code, psn_no, mdtrt_id, setl_id, feedetl_sn, sale_sn, hilist_code, occurred_on"


def _read(path: Path, feed: str) -> list[dict]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    rows = list(csv.reader(io.StringIO(text)))
    codes = [resolve_header(spec(feed), h) for h in rows[0]]
    if None in codes:
        raise ValueError(f"{path}: unmapped header {rows[0]}")
    return [{c: (v.strip() or None) for c, v in zip(codes, r, strict=True)} for r in rows[1:] if r]


def load(con: duckdb.DuckDBPyConnection, landing: Path) -> int:
    """The newest snapshot of the two feeds as tables ``kb_point_raw`` / ``kb_point_code_raw``."""
    n = 0
    for feed in KB_FEEDS:
        rows = [r for p in landing_files(landing, feed) for r in _read(p, feed)]
        codes = spec(feed).codes
        t = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in codes})
        con.register(f"_{feed}_t", t)
        con.execute(f"create or replace table {feed}_raw as select * from _{feed}_t")
        n += len(rows)
    return n


PREP = """
create or replace macro kb_age_y(b, d) as
    date_diff('year', b, d) - case when strftime(d, '%m%d') < strftime(b, '%m%d') then 1 else 0 end;
create or replace macro kb_valid(vf, vt, d) as (vf is null or d >= vf) and (vt is null or d <= vt);
create or replace macro kb_norm(x) as upper(replace(trim(x), '.', ''));
create or replace table kbp as
select kb_point_id as pid, rule_code, lmt_gend, try_cast(lmt_age_min as int) as age_min,
       try_cast(lmt_age_max as int) as age_max, try_cast(lmt_age_max_days as int) as age_days, lmt_med_types,
       try_cast(lmt_hosp_lv_min as int) as lv_min, lmt_dise_codes, try_cast(max_cnt as decimal(18, 4)) as max_cnt,
       period, try_cast(period_days as int) as period_days, try_cast(min_interval_days as int) as min_gap,
       try_cast(max_days as int) as max_days, course_scope, try_cast(max_amount as decimal(18, 2)) as max_amount,
       herb_mode, coalesce(pair_scope, 'day') as pair_scope, try_cast(valid_from as date) as vf,
       try_cast(valid_to as date) as vt
from kb_point_raw;
create or replace table kbc as
select kb_point_id as pid, side, code_type, code, kb_norm(code) as norm from kb_point_code_raw;
create or replace table kbd as
select pid, kb_norm(unnest(string_split(lmt_dise_codes, ';'))) as prefix from kbp where lmt_dise_codes is not null;
create or replace table kb_dx as
select mdtrt_id, kb_norm(diag_code) as code from setl_diag
union select mdtrt_id, kb_norm(dscg_maindiag_code) from visit where dscg_maindiag_code is not null;
create or replace table ev as
select o.fixmedins_code, o.psn_no, o.mdtrt_id, cast(null as varchar) as setl_id, o.feedetl_sn,
       cast(null as varchar) as sale_sn, o.hilist_code, o.day, cast(o.fee_ocur_time as timestamp) as ts,
       o.feedetl_sn as sn, o.mdtrt_id as vkey, o.med_type, o.net_cnt as cnt, o.net_amt as amt,
       o.cat_list_type as list_type, true as hosp
from orig o where o.med_type <> '41' and o.net_cnt > 0
union all
select s.fixmedins_code, s.psn_no, null, s.setl_id, null, s.sale_sn, s.med_list_codg, s.day, s.ts, s.sale_sn,
       coalesce(s.setl_id, s.sale_sn), '41', s.qty, round(s.qty * s.price, 2), i.list_type, false
from sale_live s left join item i on i.hilist_code = s.med_list_codg;
-- billed lines with the points whose side-A items they are, inside the points' validity
create or replace table evp as
select e.*, p.*
from ev e join kbc a on a.side = 'A' and a.code_type = 'hilist' and a.code = e.hilist_code
join kbp p on p.pid = a.pid and kb_valid(p.vf, p.vt, e.day);
"""

OUT = "fixmedins_code, psn_no, mdtrt_id, setl_id, feedetl_sn, sale_sn, hilist_code, day"

RULE_SQL: dict[str, str] = {
    "R03": """
        select distinct 'R03', b.fixmedins_code, b.psn_no, b.mdtrt_id, b.setl_id, b.feedetl_sn, b.sale_sn,
               b.hilist_code, b.day
        from ev b join kbc cb on cb.side = 'B' and cb.code_type = 'hilist' and cb.code = b.hilist_code
        join kbp p on p.pid = cb.pid and p.rule_code = 'R03'
        join kbc ca on ca.pid = p.pid and ca.side = 'A' and ca.code_type = 'hilist'
        join ev a on a.hilist_code = ca.code and a.vkey = b.vkey and (p.pair_scope = 'visit' or a.day = b.day)
        where kb_valid(p.vf, p.vt, a.day) and kb_valid(p.vf, p.vt, b.day)""",
    "R04": f"""
        with r as (
            select *, sum(cnt) over (partition by pid, vkey, case when period = 'day' then day end
                                     order by ts, sn rows unbounded preceding) as run
            from evp where rule_code = 'R04' and max_cnt is not null and period in ('day', 'visit'))
        select distinct 'R04', {OUT} from r where run > max_cnt""",
    "R10": f"""
        select 'R10', {OUT.replace("psn_no", "e.psn_no")} from evp e join person p on p.psn_no = e.psn_no
        where e.rule_code = 'R10' and e.lmt_gend is not null and p.gend <> e.lmt_gend""",
    "R11": f"""
        select 'R11', {OUT.replace("psn_no", "e.psn_no")} from evp e join person p on p.psn_no = e.psn_no
        where e.rule_code = 'R11'
          and ((e.age_min is not null and kb_age_y(p.brdy, e.day) < e.age_min)
               or (e.age_max is not null and kb_age_y(p.brdy, e.day) > e.age_max)
               or (e.age_days is not null and date_diff('day', p.brdy, e.day) > e.age_days))""",
    "R12": f"""
        select 'R12', {OUT} from evp e
        where e.rule_code = 'R12' and e.lmt_dise_codes is not null
          and not exists (select 1 from kb_dx x join kbd d on d.pid = e.pid
                          where x.mdtrt_id = e.mdtrt_id and starts_with(x.code, d.prefix))""",
    "R13": f"""
        select 'R13', {OUT.replace("fixmedins_code", "e.fixmedins_code")} from evp e
        join inst n on n.fixmedins_code = e.fixmedins_code
        where e.rule_code = 'R13'
          and ((e.lv_min is not null and n.hosp_lv < e.lv_min)
               or (e.lmt_med_types is not null
                   and not list_contains(list_transform(string_split(e.lmt_med_types, ';'), lambda x: trim(x)),
                                         e.med_type)))""",
    "R23": f"""
        with x as (
            select *, case when course_scope = 'visit' then vkey else cast(year(day) as varchar) end as scope
            from evp where rule_code = 'R23' and max_days is not null and course_scope in ('visit', 'year')),
        r as (select *, dense_rank() over (partition by psn_no, pid, scope order by day) as nth from x)
        select 'R23', {OUT} from r where nth > max_days""",
    "R24": f"""
        with a as (select * from evp where rule_code = 'R24' and period_days is not null and max_cnt is not null),
        r as (select l.*, (select sum(m.cnt) from a m
                           where m.psn_no = l.psn_no and m.pid = l.pid
                             and m.day between l.day - (l.period_days - 1) and l.day
                             and (m.ts < l.ts or (m.ts = l.ts and m.sn <= l.sn))) as rolling
              from a l),
        b as (select * from evp where rule_code = 'R24' and min_gap is not null),
        bd as (select psn_no, pid, day, lag(day) over (partition by psn_no, pid order by day) as prev
               from (select distinct psn_no, pid, day from b))
        select 'R24', {OUT} from r where rolling > max_cnt
        union all
        select 'R24', {OUT.replace("psn_no", "b.psn_no").replace("day", "b.day")} from b
        join bd on bd.psn_no = b.psn_no and bd.pid = b.pid and bd.day = b.day
        where bd.prev is not null and date_diff('day', bd.prev, b.day) < b.min_gap""",
    "R25": f"""
        with r as (
            select *, sum(amt) over (partition by psn_no, pid, year(day) order by ts, sn
                                     rows unbounded preceding) as run
            from evp where rule_code = 'R25' and max_amount is not null)
        select 'R25', {OUT} from r where run > max_amount""",
    "R26": f"""
        select 'R26', {OUT} from evp e
        where e.rule_code = 'R26'
          and (e.herb_mode = 'all'
               or (e.herb_mode = 'single'
                   and (select count(distinct o.hilist_code) from ev o
                        where o.vkey = e.vkey and o.day = e.day and o.list_type = '102') = 1
                   and e.list_type = '102'))""",
    "R27": f"""
        select 'R27', {OUT} from evp e
        where e.rule_code = 'R27' and e.hosp
          and not exists (select 1 from ev b join kbc cb on cb.pid = e.pid and cb.side = 'B'
                                                 and cb.code_type = 'hilist' and cb.code = b.hilist_code
                          where b.mdtrt_id = e.mdtrt_id)""",
    "R28": f"""
        select 'R28', {OUT} from evp e
        where e.rule_code = 'R28'
          and exists (select 1 from kb_dx x join kbc cb on cb.pid = e.pid and cb.side = 'B' and cb.code_type = 'icd10'
                      where x.mdtrt_id = e.mdtrt_id and starts_with(x.code, cb.norm))""",
    "R29": """
        select distinct 'R29', v.fixmedins_code, v.psn_no, v.mdtrt_id, null, null, null, null, v.bday
        from visit v join kb_dx x on x.mdtrt_id = v.mdtrt_id
        join kbc a on a.side = 'A' and a.code_type = 'icd10' and starts_with(x.code, a.norm)
        join kbp p on p.pid = a.pid and p.rule_code = 'R29' and kb_valid(p.vf, p.vt, v.bday)
        join person n on n.psn_no = v.psn_no
        where exists (select 1 from setl2 s where s.mdtrt_id = v.mdtrt_id and s.refd_setl_flag = '0'
                        and not exists (select 1 from setl2 r where r.init_setl_id = s.setl_id))
          and ((p.lmt_gend is not null and n.gend <> p.lmt_gend)
               or (p.age_min is not null and kb_age_y(n.brdy, v.bday) < p.age_min)
               or (p.age_max is not null and kb_age_y(n.brdy, v.bday) > p.age_max)
               or (p.age_days is not null and date_diff('day', n.brdy, v.bday) > p.age_days))""",
}


def hits(con: duckdb.DuckDBPyConnection, landing: Path) -> list[dict]:
    """Hits of the point-driven rules (same columns as ``oracle.hits``); none without a knowledge base."""
    if not load(con, landing):
        return []
    con.execute(PREP)
    cols = [c.strip() for c in COLS.split(",")]
    out = []
    for code, sql in RULE_SQL.items():
        for r in con.execute(sql).fetchall():
            d = dict(zip(cols, r, strict=True))
            d["rule_code"] = code
            out.append(d)
    return out
