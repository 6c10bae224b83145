"""An independent reference evaluation of RULES.md R01–R29 over a generated landing tree.

It exists to verify the generator: the background must not hit any rule, every injected case must hit
and no near-miss may. It reads the delivered files (not the generator's internals) with DuckDB, under
the readings documented in the package docstring. It is not the warehouse's implementation: the dbt
rule views are. The rules that read knowledge points (the point-driven parts of R03, R04, R10–R13
and R23–R29) are evaluated by ``oracle_kb``.

    python -m synthetic.oracle --landing DIR --truth PATH
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pcsv

from ingest.specs import FEEDS, resolve_header

from . import oracle_behaviour, oracle_kb, oracle_peer
from .scoring import read_truth, truth_matches


def _read_csv(path: Path, feed: str) -> pa.Table:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    data = text.encode("utf-8")
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])))
    codes = [resolve_header(FEEDS[feed], h) for h in header]
    if None in codes:
        raise ValueError(f"{path}: unmapped header {header}")
    t = pcsv.read_csv(
        io.BytesIO(data),
        read_options=pcsv.ReadOptions(column_names=codes, skip_rows=1),
        convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(codes, pa.string()), strings_can_be_null=True),
    )
    return t.select(FEEDS[feed].codes) if set(FEEDS[feed].codes) <= set(codes) else t


def load(landing: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for feed, spec in FEEDS.items():
        files = sorted((landing / feed).glob("*/*"))
        if spec.group == "casework" or feed in oracle_kb.KB_FEEDS:
            continue
        if spec.snapshot:
            latest = max(p.parent.name for p in files)
            files = [p for p in files if p.parent.name == latest]
        if files and files[0].suffix == ".parquet":
            con.execute(
                f"create table {feed} as select * from read_parquet({[str(p) for p in files]!r}, union_by_name = true)"
            )
            continue
        tables = [_read_csv(p, feed) for p in files]
        t = pa.concat_tables([x for x in tables]) if tables else None
        con.register(f"_{feed}", t)
        con.execute(f"create table {feed} as select * from _{feed}")
    _views(con)
    return con


def _views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
    create table cat as
    select hilist_code, list_type, med_chrgitm_type as typ, cast(pric_uplmt_amt as decimal(18,4)) as cap,
           lmt_gend, cast(lmt_age_min as int) as age_min, cast(lmt_age_max as int) as age_max, lmt_dise_codes,
           cast(lmt_hosp_lv_min as int) as lv_min, lmt_ipt_only, cast(max_daily_cnt as decimal(18,4)) as
               max_daily,
           cast(units_per_day as decimal(18,4)) as upd, cast(valid_from as date) as valid_from,
           cast(valid_to as date) as valid_to
    from hilist;
    create table item as select distinct on (hilist_code) * from cat order by hilist_code, valid_from desc;
    create table inst as select fixmedins_code, fixmedins_type, coalesce(cast(hosp_lv as int), 0) as hosp_lv,
           open_time, close_time from fixmedins;
    create table person as select psn_no, gend, cast(brdy as date) as brdy, cast(die_date as date) as die_date
           from psn;
    create table visit as select *, cast(begntime as date) as bday, cast(endtime as date) as eday,
           greatest(date_diff('day', cast(begntime as date), cast(endtime as date)), 1) as los from mdtrt;
    create table line as
    select f.*, v.med_type, cast(f.fee_ocur_time as date) as day, i.typ, i.list_type as cat_list_type
    from fee_list f join visit v using (mdtrt_id) join item i using (hilist_code);
    -- originals with their net count (refunds point at them)
    create table orig as
    select l.*, l.cnt + coalesce(r.rcnt, 0) as net_cnt, l.det_item_fee_sumamt + coalesce(r.ramt, 0) as net_amt
    from line l left join (select init_feedetl_sn, sum(cnt) as rcnt, sum(det_item_fee_sumamt) as ramt
                           from line where init_feedetl_sn is not null group by 1) r
         on r.init_feedetl_sn = l.feedetl_sn
    where l.init_feedetl_sn is null;
    create table sale as
    select s.*, cast(s.sel_time as timestamp) as ts, cast(cast(s.sel_time as timestamp) as date) as day,
           cast(s.cnt as decimal(18,4)) as qty, cast(s.finl_trns_pric as decimal(18,4)) as price
    from phar_sale s;
    -- non-returned sale lines: a return cancels the sale it points at (or the one with its 追溯码)
    create table sale_live as
    select s.* from sale s
    where s.retn_flag = '0'
      and not exists (select 1 from sale r where r.retn_flag = '1' and r.fixmedins_code = s.fixmedins_code
                      and (r.init_sale_sn = s.sale_sn or (r.init_sale_sn is null and r.drug_trac_codg =
                          s.drug_trac_codg
                           and r.ts > s.ts)));
    create table setl2 as select *, cast(setl_time as timestamp) as ts from setl;
    """)


RULE_SQL: dict[str, str] = {
    "R01": """
        select 'R01' as rule_code, fixmedins_code, psn_no, mdtrt_id, null as setl_id, feedetl_sn, null as
            sale_sn,
               hilist_code, day as occurred_on
        from (select *, row_number() over (partition by mdtrt_id, hilist_code, fee_ocur_time
                                           order by feedetl_sn) as rn
              from orig where net_cnt > 0 and med_type <> '41')
        where rn > 1""",
    "R02": """
        select 'R02', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o join cat c on c.hilist_code = o.hilist_code
             and (c.valid_from is null or c.valid_from <= o.day) and (c.valid_to is null or c.valid_to >=
                 o.day)
        where o.net_cnt > 0 and o.med_type <> '41' and o.pric - c.cap > 0.01
        union all
        select 'R02', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s join cat c on c.hilist_code = s.med_list_codg
             and (c.valid_from is null or c.valid_from <= s.day) and (c.valid_to is null or c.valid_to >=
                 s.day)
        where s.price - c.cap > 0.01""",
    "R03": """
        select distinct 'R03', s.fixmedins_code, s.psn_no, s.mdtrt_id, null, s.feedetl_sn, null,
            s.hilist_code, s.day
        from orig s join bundle b on b.sub_hilist_code = s.hilist_code
             join orig m on m.mdtrt_id = s.mdtrt_id and m.day = s.day and m.hilist_code = b.main_hilist_code
        where s.net_cnt > 0 and m.net_cnt > 0""",
    "R04": """
        select 'R04', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, null, null, o.hilist_code, o.day
        from orig o join item i using (hilist_code)
        where o.med_type <> '41' and i.max_daily is not null
        group by all having sum(o.net_cnt) > max(i.max_daily)
        union all
        select 'R04', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, null, null, o.hilist_code, min(o.day)
        from orig o join visit v using (mdtrt_id)
        where o.typ = '01' and v.med_type = '21'
        group by o.fixmedins_code, o.psn_no, o.mdtrt_id, o.hilist_code
        having sum(o.net_cnt) > max(v.los)""",
    "R05": """
        select 'R05', fixmedins_code, psn_no, mdtrt_id, null, null, null, null, bday
        from (select *, lag(eday) over w as prev_end, lag(dscg_maindiag_code) over w as prev_dx,
                     lag(dscg_way) over w as prev_way
              from visit where med_type = '21'
              window w as (partition by psn_no, fixmedins_code order by begntime))
        where prev_end is not null and date_diff('day', prev_end, bday) <= 15
          and left(dscg_maindiag_code, 3) = left(prev_dx, 3) and coalesce(prev_way, '') <> '2'""",
    "R06": """
        with days as (
            select v.mdtrt_id, v.fixmedins_code, v.psn_no, unnest(generate_series(v.bday, v.eday - 1,
                   interval 1 day))::date as d
            from visit v where v.med_type = '21' and v.eday > v.bday),
        active as (select distinct mdtrt_id, day from orig where net_cnt > 0 and typ not in ('01', '02',
            '07')),
        idle as (select d.* from days d left join active a on a.mdtrt_id = d.mdtrt_id and a.day = d.d
                 where a.mdtrt_id is null),
        runs as (select mdtrt_id, fixmedins_code, psn_no, d,
                        d - cast(row_number() over (partition by mdtrt_id order by d) as int) as grp from
                            idle)
        select 'R06', fixmedins_code, psn_no, mdtrt_id, null, null, null, null, min(d)
        from runs group by fixmedins_code, psn_no, mdtrt_id, grp having count(*) >= 3
        union all
        select 'R06', v.fixmedins_code, v.psn_no, v.mdtrt_id, null, null, null, null, v.bday
        from visit v where v.med_type = '21' and exists (
            select 1 from setl2 s join visit o on o.mdtrt_id = s.mdtrt_id
            where s.psn_no = v.psn_no and s.fixmedins_code <> v.fixmedins_code and s.refd_setl_flag = '0'
              and o.med_type in ('11', '14', '41')
              and cast(s.ts as date) > v.bday and cast(s.ts as date) < v.eday)""",
    "R07": """
        select 'R07', v.fixmedins_code, v.psn_no, v.mdtrt_id, null, null, null, null, v.bday
        from visit v join (select mdtrt_id,
                                  sum(case when typ in ('03','04') then net_amt else 0 end) /
                                      nullif(sum(net_amt), 0)
                                      as amt_share
                           from orig group by 1) s using (mdtrt_id)
        where v.med_type = '21' and v.los <= 5
          and exists (select 1 from low_std l where starts_with(v.dscg_maindiag_code, l.icd10_prefix))
          and s.amt_share >= 0.5""",
    "R08": """
        select distinct 'R08', b.fixmedins_code, b.psn_no, b.mdtrt_id, null, null, null, null, b.bday
        from visit a join visit b on a.psn_no = b.psn_no and a.fixmedins_code <> b.fixmedins_code
             and a.med_type = '21' and b.med_type = '21'
             and (a.begntime < b.begntime or (a.begntime = b.begntime and a.mdtrt_id < b.mdtrt_id))
        where date_diff('second', greatest(a.begntime, b.begntime), least(a.endtime, b.endtime)) >= 86400""",
    "R09": """
        select 'R09', v.fixmedins_code, v.psn_no, v.mdtrt_id, null, null, null, null, v.bday
        from visit v join person p using (psn_no)
        where v.med_type <> '41' and (v.bday > p.die_date or exists (
            select 1 from orig o where o.mdtrt_id = v.mdtrt_id and o.day > p.die_date and o.net_cnt > 0))
        union all
        select 'R09', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s join person p using (psn_no) where s.day > p.die_date""",
    "R10": """
        select 'R10', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o join item i using (hilist_code) join person p using (psn_no)
        where o.net_cnt > 0 and o.med_type <> '41' and i.lmt_gend is not null and i.lmt_gend <> p.gend
        union all
        select 'R10', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s join item i on i.hilist_code = s.med_list_codg join person p using (psn_no)
        where i.lmt_gend is not null and i.lmt_gend <> p.gend""",
    "R11": """
        select 'R11', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o join item i using (hilist_code) join person p using (psn_no)
        where o.net_cnt > 0 and o.med_type <> '41'
          and (date_diff('year', p.brdy, o.day) - case when strftime(o.day, '%m%d') < strftime(p.brdy, '%m%d')
               then 1 else 0 end) not between coalesce(i.age_min, 0) and coalesce(i.age_max, 999)
        union all
        select 'R11', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s join item i on i.hilist_code = s.med_list_codg join person p using (psn_no)
        where (date_diff('year', p.brdy, s.day) - case when strftime(s.day, '%m%d') < strftime(p.brdy, '%m%d')
               then 1 else 0 end) not between coalesce(i.age_min, 0) and coalesce(i.age_max, 999)""",
    "R12": """
        with dx as (select mdtrt_id, diag_code as code from setl_diag
                    union select mdtrt_id, dscg_maindiag_code from visit where dscg_maindiag_code is not
                        null),
        pref as (select hilist_code, unnest(string_split(lmt_dise_codes, ';')) as p from item
                 where lmt_dise_codes is not null)
        select 'R12', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o where o.net_cnt > 0 and o.med_type <> '41'
          and o.hilist_code in (select hilist_code from pref)
          and not exists (select 1 from dx join pref on pref.hilist_code = o.hilist_code
                          where dx.mdtrt_id = o.mdtrt_id and starts_with(dx.code, pref.p))
        union all
        select 'R12', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s where s.med_list_codg in (select hilist_code from pref)""",
    "R13": """
        select 'R13', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o join item i using (hilist_code) join inst n using (fixmedins_code)
        where o.net_cnt > 0 and o.med_type <> '41'
          and ((i.lv_min is not null and n.hosp_lv < i.lv_min) or (i.lmt_ipt_only = '1' and o.med_type <>
              '21'))
        union all
        select 'R13', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s join item i on i.hilist_code = s.med_list_codg
        where i.lv_min is not null or i.lmt_ipt_only = '1'""",
    "R14": """
        select 'R14', s.fixmedins_code, s.psn_no, s.mdtrt_id, s.setl_id, null, null, null, cast(s.ts as date)
        from setl2 s
        where s.refd_setl_flag = '0' and (
            not exists (select 1 from fixmedins_agreement a where a.fixmedins_code = s.fixmedins_code
                        and a.agreement_status = '1'
                        and cast(s.ts as date) between cast(a.begndate as date) and cast(a.enddate as date))
            or exists (select 1 from fixmedins_agreement a where a.fixmedins_code = s.fixmedins_code
                       and a.agreement_status in ('2', '3')
                       and cast(s.ts as date) between cast(a.begndate as date) and cast(a.enddate as
                           date)))""",
    "R15": """
        select 'R15', o.fixmedins_code, o.psn_no, o.mdtrt_id, null, o.feedetl_sn, null, o.hilist_code, o.day
        from orig o left join practitioner p on p.dr_code = o.bilg_dr_code
        where o.net_cnt > 0 and o.med_type <> '41' and o.bilg_dr_code is not null
          and (p.dr_code is null or p.cert_status <> '1' or p.fixmedins_code <> o.fixmedins_code
               or o.day < coalesce(cast(p.valid_from as date), date '1900-01-01')
               or o.day > coalesce(cast(p.valid_to as date), date '2999-12-31'))
        union all
        select 'R15', s.fixmedins_code, s.psn_no, null, null, null, s.sale_sn, s.med_list_codg, s.day
        from sale_live s left join practitioner p on p.dr_code = s.prsc_dr_code
        where s.prsc_dr_code is not null
          and (p.dr_code is null or p.cert_status <> '1'
               or s.day < coalesce(cast(p.valid_from as date), date '1900-01-01')
               or s.day > coalesce(cast(p.valid_to as date), date '2999-12-31'))""",
    "R16": """
        with sold as (
            select l.fixmedins_code, l.hilist_code, date_trunc('month', l.day) as m, sum(l.cnt) as q
            from line l join inst n using (fixmedins_code)
            where n.fixmedins_type = '1' and l.cat_list_type in ('101','102','301') group by all
            union all
            select s.fixmedins_code, s.med_list_codg, date_trunc('month', s.day), sum(s.qty)
            from sale s join item i on i.hilist_code = s.med_list_codg
            where i.list_type in ('101','102','301') group by all),
        st as (select fixmedins_code, med_list_codg as hilist_code, cast(invdate as date) as d,
                      sum(cast(inv_cnt as decimal(18,4))) as q from inv_stocktake group by all),
        pu as (select fixmedins_code, med_list_codg as hilist_code, date_trunc('month', cast(purc_time as
            timestamp))
                      as m, sum(cast(cnt as decimal(18,4))) as q from inv_purchase group by all),
        ch as (select fixmedins_code, med_list_codg as hilist_code,
                      date_trunc('month', cast(inv_chg_time as timestamp)) as m,
                      sum(cast(cnt as decimal(18,4))) as q from inv_change group by all)
        select 'R16', s.fixmedins_code, null, null, null, null, null, s.hilist_code, cast(s.m as date)
        from sold s
        left join pu on pu.fixmedins_code = s.fixmedins_code and pu.hilist_code = s.hilist_code and pu.m = s.m
        left join ch on ch.fixmedins_code = s.fixmedins_code and ch.hilist_code = s.hilist_code and ch.m = s.m
        where s.q > coalesce((select q from st where st.fixmedins_code = s.fixmedins_code
                                  and st.hilist_code = s.hilist_code and st.d < s.m order by st.d desc
                                      limit 1), 0)
                    + coalesce(pu.q, 0) + coalesce(ch.q, 0)""",
    "R17": """
        with billed as (
            select o.fixmedins_code, o.hilist_code, o.fee_ocur_time as ts, o.day from orig o
            join item i using (hilist_code)
            where o.net_cnt > 0 and o.med_type <> '41' and i.list_type in ('101','102','301')
            union all
            select s.fixmedins_code, s.med_list_codg, s.ts, s.day from sale_live s
            join item i on i.hilist_code = s.med_list_codg where i.list_type in ('101','102','301')),
        pu as (select fixmedins_code, med_list_codg as hilist_code, cast(purc_time as timestamp) as ts
               from inv_purchase)
        select distinct 'R17', b.fixmedins_code, null, null, null, null, null, b.hilist_code, b.day
        from billed b
        where b.fixmedins_code in (select fixmedins_code from pu)
          and not exists (select 1 from pu where pu.fixmedins_code = b.fixmedins_code
                          and pu.hilist_code = b.hilist_code and pu.ts <= b.ts
                          and pu.ts >= b.ts - interval 12 month)""",
    "R18": """
        with occ as (
            select drug_trac_codg as code, fixmedins_code, psn_no, mdtrt_id, feedetl_sn, null as sale_sn,
                   hilist_code, fee_ocur_time as ts
            from orig where drug_trac_codg is not null and net_cnt > 0 and med_type <> '41'
            union all
            select drug_trac_codg, fixmedins_code, psn_no, null, null, sale_sn, med_list_codg, ts
            from sale_live where drug_trac_codg is not null)
        select 'R18', fixmedins_code, psn_no, mdtrt_id, null, feedetl_sn, sale_sn, hilist_code, cast(ts
            as date)
        from (select *, row_number() over (partition by code order by ts, coalesce(feedetl_sn, sale_sn)) as rn
              from occ) where rn > 1""",
    "R19": """
        with supply as (
            select psn_no, hilist_code, day, net_cnt as q from orig where med_type <> '41' and net_cnt > 0
            union all
            select psn_no, med_list_codg, day, qty from sale_live where psn_no is not null),
        daily as (select s.psn_no, s.hilist_code, s.day, sum(s.q) / max(i.upd) as days
                  from supply s join item i using (hilist_code) where i.upd > 0 group by all),
        win as (select a.psn_no, a.hilist_code, a.day, sum(b.days) as days
                from daily a join daily b on a.psn_no = b.psn_no and a.hilist_code = b.hilist_code
                     and b.day between a.day - 29 and a.day
                group by all)
        select distinct 'R19', null, psn_no, null, null, null, null, hilist_code, day from win where days
            > 90""",
    "R20": """
        with ph as (select s.*, cast(s.ts as date) as d, strftime(s.ts, '%H:%M') as hm, n.open_time,
            n.close_time
                    from setl2 s join visit v using (mdtrt_id) join inst n on n.fixmedins_code =
                        s.fixmedins_code
                    where v.med_type = '41' and s.refd_setl_flag = '0')
        select 'R20', fixmedins_code, psn_no, mdtrt_id, setl_id, null, null, null, d from ph
        where hm < open_time or hm > close_time
        union
        select 'R20', fixmedins_code, psn_no, mdtrt_id, setl_id, null, null, null, d from ph
        where (psn_no, fixmedins_code, d) in (select psn_no, fixmedins_code, d from ph group by all
                                             having count(*) >= 3)""",
    "R21": """
        with amt as (
            select fixmedins_code, hilist_code, date_trunc('month', day) as m, sum(det_item_fee_sumamt) as a
            from line where hilist_code in (select hilist_code from watch) group by all),
        months as (select distinct date_trunc('month', day) as m from line),
        grid as (select distinct a.fixmedins_code, a.hilist_code, mo.m from amt a cross join months mo),
        full_ as (select g.*, coalesce(a.a, 0) as a from grid g left join amt a using (fixmedins_code,
            hilist_code, m)),
        ev as (select *, avg(a) over (partition by fixmedins_code, hilist_code order by m
                                      rows between 3 preceding and 1 preceding) as avg3,
                      count(*) over (partition by fixmedins_code, hilist_code order by m
                                     rows between 3 preceding and 1 preceding) as n3
               from full_)
        select 'R21', fixmedins_code, null, null, null, null, null, hilist_code, cast(m as date) from ev
        where n3 = 3 and a > 10000 and a > 2.0 * avg3""",
    "R22": """
        with up as (select l.mdtrt_id, l.hilist_code, l.day, sum(l.cnt) as q from line l
                    where l.med_type = '21' and l.fixmedins_code in (select distinct fixmedins_code from
                        his_charge)
                    group by all),
        hc as (select mdtrt_id, hilist_code, cast(cast(charge_time as timestamp) as date) as day,
                      sum(cast(cnt as decimal(18,4))) as q from his_charge where mdtrt_id is not null
                          group by all)
        select 'R22', l.fixmedins_code, l.psn_no, l.mdtrt_id, null, l.feedetl_sn, null, l.hilist_code, l.day
        from line l join up using (mdtrt_id, hilist_code, day)
        left join hc using (mdtrt_id, hilist_code, day)
        where up.q <> coalesce(hc.q, 0)""",
}


def hits(con: duckdb.DuckDBPyConnection, kb_dir: Path) -> list[dict]:
    con.execute(
        f"create or replace table bundle as select * from read_csv('{kb_dir / 'rule_bundle_pairs.csv'}', "
        "all_varchar = true)"
    )
    con.execute(
        f"create or replace table low_std as select * from read_csv("
        f"'{kb_dir / 'rule_low_standard_dx.csv'}', all_varchar = true)"
    )
    con.execute(
        f"create or replace table watch as select * from read_csv("
        f"'{kb_dir / 'rule_key_drug_watchlist.csv'}', all_varchar = true)"
    )
    cols = (
        "rule_code",
        "fixmedins_code",
        "psn_no",
        "mdtrt_id",
        "setl_id",
        "feedetl_sn",
        "sale_sn",
        "hilist_code",
        "occurred_on",
    )
    out = []
    for code, sql in RULE_SQL.items():
        for r in con.execute(sql).fetchall():
            d = dict(zip(cols, r, strict=True))
            d["rule_code"] = code
            out.append(d)
    out.extend(dict(zip(cols, r, strict=True)) for r in oracle_behaviour.hits(con))
    out.extend(oracle_peer.r33_hits(con))
    return out


def check(landing: Path, truth_path: Path, kb_dir: Path | None = None) -> dict:
    """Evaluate every rule and compare with the truth: returns problems (empty lists when all is well)."""
    from .kb import KB_DIR

    con = load(landing)
    try:
        found = hits(con, kb_dir or KB_DIR) + oracle_kb.hits(con, landing)
    finally:
        con.close()
    truth = read_truth(truth_path)
    missed, wrong, unexpected = [], [], []
    for t in truth:
        m = [h for h in found if h["rule_code"] == t["rule_code"] and truth_matches(t, h)]
        if t["expect_hit"] == "1" and not m:
            missed.append(t["case_id"])
        if t["expect_hit"] == "0" and m:
            wrong.append(t["case_id"])
    positives = [t for t in truth if t["expect_hit"] == "1"]
    for h in found:
        if not any(t["rule_code"] == h["rule_code"] and truth_matches(t, h) for t in positives):
            unexpected.append(h)
    by_rule: dict[str, int] = {}
    for h in found:
        by_rule[h["rule_code"]] = by_rule.get(h["rule_code"], 0) + 1
    return {"missed": missed, "near_miss_hit": wrong, "unexpected": unexpected, "hits_by_rule": by_rule}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landing", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True)
    a = ap.parse_args(argv)
    res = check(a.landing, a.truth)
    print("hits by rule:", dict(sorted(res["hits_by_rule"].items())))
    print("missed positives:", res["missed"])
    print("near-misses hit:", res["near_miss_hit"])
    print(f"unexpected hits: {len(res['unexpected'])}")
    for h in res["unexpected"][:40]:
        print("   ", {k: (str(v) if v is not None else "") for k, v in h.items() if v is not None})
    return 0 if not (res["missed"] or res["near_miss_hit"] or res["unexpected"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
