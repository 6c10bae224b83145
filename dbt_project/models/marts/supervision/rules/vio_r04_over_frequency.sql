{#- R04: per visit and calendar day, the net quantity of an item above the
    catalogue's max_daily_cnt; for bed fees (catalogue med_chrgitm_type 01) of an inpatient stay also
    the net quantity over the stay above the length of stay. The excess units are the last ones
    charged (by fee time); suspect_amount = Σ excess units × their line's price. A stay hit counts
    only the units beyond the length of stay that no day hit of the same item already counts.
    Points of R04 (max_cnt per visit-day or visit over their side-A items, the last units charged
    in excess): a day point's excess joins the day hit (a line's excess = the most any limit finds);
    a visit point gives a hit per visit × item, counting only units no other hit counts. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

-- read a second time for the other columns of the few candidate lines (limited_lines is read five
-- times, so DuckDB materialises it: it carries only the columns the limits need)
fee_line_details as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

visits as (
    select * from {{ ref('fct_visit') }}
    where {{ hits_window('begin_date') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

-- the items some point of R04 limits (codes first: lines meet points only through these codes)
point_items as (
    select distinct code as hilist_code
    from point_codes
    where
        rule_code = 'R04'
        and side = 'A'
        and code_type = 'hilist'
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

-- refunds never hit by themselves and count through the line they point at; fully refunded lines
-- are no evidence; pharmacy fee lines are read from phar_sale by line rules. Only items with a
-- daily limit, bed fees and items of a point can hit.
limited_lines as (
    select
        fee_lines.feedetl_sn,
        fee_lines.mdtrt_id,
        fee_lines.hilist_code,
        fee_lines.fee_date,
        fee_lines.fee_ocur_time,
        fee_lines.net_cnt,
        fee_lines.med_chrgitm_type,
        catalogue.max_daily_cnt
    from fee_lines
    left join catalogue
        on
            fee_lines.has_catalogue_row
            and fee_lines.hilist_code = catalogue.hilist_code
            and coalesce(fee_lines.catalogue_valid_from, cast('1900-01-01' as date)) = catalogue.effective_from
    left join point_items
        on fee_lines.hilist_code = point_items.hilist_code
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
        and not fee_lines.is_pharmacy_line
        and (
            catalogue.max_daily_cnt is not null
            or fee_lines.med_chrgitm_type = '01'
            or point_items.hilist_code is not null
        )
),

point_lines as (
    {{ kb_point_lines('R04', 'limited_lines', 'points', 'point_codes', date_column='fee_date',
        parameters=['max_cnt', 'period']) }}
),

-- each point's running net quantity per visit-day or visit, across its items, in fee time order
point_running as (
    select
        *,
        sum(net_cnt) over (
            partition by kb_point_id, mdtrt_id, case when kb_period = 'day' then fee_date end
            order by fee_ocur_time, feedetl_sn
            rows between unbounded preceding and current row
        ) as point_running_cnt
    from point_lines
    where
        kb_max_cnt is not null
        and kb_period in ('day', 'visit')
),

point_breaches as (
    select
        *,
        case
            when point_running_cnt - kb_max_cnt < net_cnt then point_running_cnt - kb_max_cnt
            else net_cnt
        end as point_excess_cnt
    from point_running
    where point_running_cnt > kb_max_cnt
),

-- per line: the most excess units any day point, and any visit point, finds in it
line_point_excess as (
    select
        feedetl_sn,
        max(case when kb_period = 'day' then point_excess_cnt else 0 end) as day_point_excess_cnt,
        max(case when kb_period = 'visit' then point_excess_cnt else 0 end) as visit_point_excess_cnt
    from point_breaches
    group by feedetl_sn
),

-- the points each hit broke, with the units each found in the hit's lines (day points per day)
point_hit_rows as (
    select
        mdtrt_id,
        hilist_code,
        case when kb_period = 'day' then fee_date end as period_date,
        kb_point_id,
        kb_national_rule_code,
        kb_rule_name,
        kb_source,
        kb_batch,
        kb_item_name,
        kb_condition_text,
        kb_result_level,
        kb_max_cnt,
        kb_period,
        sum(point_excess_cnt) as point_excess_cnt
    from point_breaches
    group by
        mdtrt_id, hilist_code, case when kb_period = 'day' then fee_date end, kb_point_id,
        kb_national_rule_code, kb_rule_name, kb_source, kb_batch, kb_item_name, kb_condition_text,
        kb_result_level, kb_max_cnt, kb_period
),

point_hits as (
    select
        mdtrt_id,
        hilist_code,
        kb_period,
        period_date,
        min(kb_result_level) as point_result_level,
        {{ kb_points_agg([
            ['max_cnt', 'kb_max_cnt'],
            ['period', 'kb_period'],
            ['excess_cnt', 'point_excess_cnt'],
        ]) }} as kb_points
    from point_hit_rows
    group by mdtrt_id, hilist_code, kb_period, period_date
),

day_points as (
    select
        mdtrt_id,
        hilist_code,
        period_date as fee_date,
        point_result_level,
        kb_points
    from point_hits
    where kb_period = 'day'
),

visit_points as (
    select * from point_hits
    where kb_period = 'visit'
),

-- visit-days over the daily limit
over_days as (
    select
        mdtrt_id,
        hilist_code,
        fee_date
    from limited_lines
    group by mdtrt_id, hilist_code, fee_date
    having sum(net_cnt) > max(max_daily_cnt)
),

-- bed fees of closed inpatient stays whose units exceed the length of stay
over_stays as (
    select
        limited_lines.mdtrt_id,
        limited_lines.hilist_code
    from limited_lines
    inner join visits
        on limited_lines.mdtrt_id = visits.mdtrt_id
    where
        limited_lines.med_chrgitm_type = '01'
        and visits.is_inpatient
        and visits.los_days is not null
    group by limited_lines.mdtrt_id, limited_lines.hilist_code
    having sum(limited_lines.net_cnt) > max(visits.los_days)
),

-- the lines of those days and stays (each whole day of an item, so running sums are complete)
candidate_keys as (
    select limited_lines.feedetl_sn
    from limited_lines
    inner join over_days
        on
            limited_lines.mdtrt_id = over_days.mdtrt_id
            and limited_lines.hilist_code = over_days.hilist_code
            and limited_lines.fee_date = over_days.fee_date
    union
    select limited_lines.feedetl_sn
    from limited_lines
    inner join over_stays
        on
            limited_lines.mdtrt_id = over_stays.mdtrt_id
            and limited_lines.hilist_code = over_stays.hilist_code
    union
    select limited_lines.feedetl_sn
    from limited_lines
    inner join day_points
        on
            limited_lines.mdtrt_id = day_points.mdtrt_id
            and limited_lines.hilist_code = day_points.hilist_code
            and limited_lines.fee_date = day_points.fee_date
    union
    select limited_lines.feedetl_sn
    from limited_lines
    inner join visit_points
        on
            limited_lines.mdtrt_id = visit_points.mdtrt_id
            and limited_lines.hilist_code = visit_points.hilist_code
),

charged_lines as (
    select
        fee_line_details.*,
        limited_lines.max_daily_cnt,
        coalesce(line_point_excess.day_point_excess_cnt, 0) as day_point_excess_cnt,
        coalesce(line_point_excess.visit_point_excess_cnt, 0) as visit_point_excess_cnt
    from limited_lines
    inner join candidate_keys
        on limited_lines.feedetl_sn = candidate_keys.feedetl_sn
    inner join fee_line_details
        on limited_lines.feedetl_sn = fee_line_details.feedetl_sn
    left join line_point_excess
        on limited_lines.feedetl_sn = line_point_excess.feedetl_sn
),

day_running as (
    select
        *,
        sum(net_cnt) over (
            partition by mdtrt_id, hilist_code, fee_date
            order by fee_ocur_time, feedetl_sn
            rows between unbounded preceding and current row
        ) as day_running_cnt
    from charged_lines
),

-- units of each line beyond the daily limit (the last units charged that day): the catalogue's,
-- or a day point's where it finds more
catalogue_day_excess as (
    select
        *,
        case
            when max_daily_cnt is not null and day_running_cnt > max_daily_cnt
                then least(net_cnt, day_running_cnt - max_daily_cnt)
            else 0
        end as catalogue_day_excess_cnt
    from day_running
),

day_excess as (
    select
        *,
        greatest(catalogue_day_excess_cnt, day_point_excess_cnt) as day_excess_cnt
    from catalogue_day_excess
),

day_hits as (
    select
        mdtrt_id,
        hilist_code,
        fee_date,
        max(fixmedins_code) as fixmedins_code,
        max(psn_no) as psn_no,
        max(setl_id) as setl_id,
        max(hilist_name) as hilist_name,
        max(med_chrgitm_type) as med_chrgitm_type,
        max(max_daily_cnt) as max_daily_cnt,
        count(*) as line_count,
        sum(net_cnt) as net_cnt,
        sum(catalogue_day_excess_cnt) > 0 as catalogue_broken,
        sum(day_excess_cnt) as excess_cnt,
        sum(day_excess_cnt * pric) as excess_amount,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['setl_id', 'setl_id'],
            ['cnt', 'cnt'],
            ['pric', 'pric'],
            ['refunded_cnt', 'refunded_cnt'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['excess_cnt', 'day_excess_cnt'],
            ['bilg_dr_code', 'bilg_dr_code'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ]), 'fee_ocur_time, feedetl_sn') }} as lines
    from day_excess
    group by mdtrt_id, hilist_code, fee_date
    having sum(day_excess_cnt) > 0
),

-- bed fees of the stays over their length, net of the units a day hit already counts
bed_fee_lines as (
    select
        day_excess.*,
        visits.begin_date as admission_date,
        visits.end_date as discharge_date,
        visits.los_days,
        day_excess.net_cnt - day_excess.day_excess_cnt as stay_counted_cnt
    from day_excess
    inner join over_stays
        on
            day_excess.mdtrt_id = over_stays.mdtrt_id
            and day_excess.hilist_code = over_stays.hilist_code
    inner join visits
        on day_excess.mdtrt_id = visits.mdtrt_id
),

stay_running as (
    select
        *,
        sum(stay_counted_cnt) over (
            partition by mdtrt_id, hilist_code
            order by fee_ocur_time, feedetl_sn
            rows between unbounded preceding and current row
        ) as stay_running_cnt
    from bed_fee_lines
),

stay_excess as (
    select
        *,
        case
            when stay_running_cnt > los_days then least(stay_counted_cnt, stay_running_cnt - los_days)
            else 0
        end as stay_excess_cnt
    from stay_running
),

stay_hits as (
    select
        mdtrt_id,
        hilist_code,
        min(case when stay_excess_cnt > 0 then fee_date end) as first_excess_date,
        max(fixmedins_code) as fixmedins_code,
        max(psn_no) as psn_no,
        max(setl_id) as setl_id,
        max(hilist_name) as hilist_name,
        max(med_chrgitm_type) as med_chrgitm_type,
        max(admission_date) as admission_date,
        max(discharge_date) as discharge_date,
        max(los_days) as los_days,
        count(*) as line_count,
        sum(net_cnt) as net_cnt,
        sum(day_excess_cnt) as day_excess_cnt,
        sum(stay_excess_cnt) as excess_cnt,
        sum(stay_excess_cnt * pric) as excess_amount,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['setl_id', 'setl_id'],
            ['cnt', 'cnt'],
            ['pric', 'pric'],
            ['refunded_cnt', 'refunded_cnt'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['excess_cnt_of_day', 'day_excess_cnt'],
            ['excess_cnt_of_stay', 'stay_excess_cnt'],
            ['bilg_dr_code', 'bilg_dr_code'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ]), 'fee_ocur_time, feedetl_sn') }} as lines
    from stay_excess
    group by mdtrt_id, hilist_code
    having sum(stay_excess_cnt) > 0
),

-- lines of a visit point's excess: only the units no day or stay hit already counts add to its amount
visit_excess as (
    select
        day_excess.*,
        coalesce(stay_excess.stay_excess_cnt, 0) as stay_excess_cnt,
        greatest(
            day_excess.visit_point_excess_cnt - day_excess.day_excess_cnt - coalesce(stay_excess.stay_excess_cnt, 0),
            0
        ) as visit_only_excess_cnt
    from day_excess
    inner join visit_points
        on
            day_excess.mdtrt_id = visit_points.mdtrt_id
            and day_excess.hilist_code = visit_points.hilist_code
    left join stay_excess
        on day_excess.feedetl_sn = stay_excess.feedetl_sn
),

visit_hits as (
    select
        mdtrt_id,
        hilist_code,
        min(case when visit_point_excess_cnt > 0 then fee_date end) as first_excess_date,
        max(fixmedins_code) as fixmedins_code,
        max(psn_no) as psn_no,
        max(setl_id) as setl_id,
        max(hilist_name) as hilist_name,
        max(med_chrgitm_type) as med_chrgitm_type,
        count(*) as line_count,
        sum(net_cnt) as net_cnt,
        sum(visit_point_excess_cnt) as excess_cnt,
        sum(visit_point_excess_cnt - visit_only_excess_cnt) as excess_cnt_in_other_hits,
        sum(visit_only_excess_cnt * pric) as excess_amount,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['setl_id', 'setl_id'],
            ['cnt', 'cnt'],
            ['pric', 'pric'],
            ['refunded_cnt', 'refunded_cnt'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['excess_cnt_of_visit', 'visit_point_excess_cnt'],
            ['excess_cnt_in_other_hits', 'visit_point_excess_cnt - visit_only_excess_cnt'],
            ['bilg_dr_code', 'bilg_dr_code'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ]), 'fee_ocur_time, feedetl_sn') }} as lines
    from visit_excess
    group by mdtrt_id, hilist_code
    having sum(visit_point_excess_cnt) > 0
),

day_hits_with_points as (
    select
        day_hits.*,
        day_points.point_result_level,
        {{ kb_points_or_empty('day_points.kb_points') }} as kb_points
    from day_hits
    left join day_points
        on
            day_hits.mdtrt_id = day_points.mdtrt_id
            and day_hits.hilist_code = day_points.hilist_code
            and day_hits.fee_date = day_points.fee_date
),

-- each branch renders its own evidence text (the two objects differ in shape, and Spark unions
-- only identical struct types)
day_hit_rows as (
    select
        cast('R04' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R04', ["'day'", 'mdtrt_id', 'hilist_code', 'fee_date']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        fee_date as occurred_on,
        {{ money('excess_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['check', "'每日限定数量 max_daily_cnt'"],
            ['mdtrt_id', 'mdtrt_id'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['med_chrgitm_type', 'med_chrgitm_type'],
            ['fee_date', 'fee_date'],
            ['max_daily_cnt', 'max_daily_cnt'],
            ['net_cnt_of_day', 'net_cnt'],
            ['excess_cnt', 'excess_cnt'],
            ['excess_amount', 'excess_amount'],
            ['line_count', 'line_count'],
            ['lines', 'lines'],
            ['kb_points', 'kb_points'],
        ])) }} as evidence,
        {{ kb_result_level('point_result_level', 'catalogue_broken', catalogue_result_level('R04')) }}
            as result_level
    from day_hits_with_points
),

stay_hit_rows as (
    select
        cast('R04' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R04', ["'stay'", 'mdtrt_id', 'hilist_code']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        first_excess_date as occurred_on,
        {{ money('excess_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['check', "'床位费超住院天数 bed fee units over the length of stay'"],
            ['mdtrt_id', 'mdtrt_id'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['med_chrgitm_type', 'med_chrgitm_type'],
            ['admission_date', 'admission_date'],
            ['discharge_date', 'discharge_date'],
            ['los_days', 'los_days'],
            ['net_cnt_of_stay', 'net_cnt'],
            ['excess_cnt_in_day_hits', 'day_excess_cnt'],
            ['excess_cnt', 'excess_cnt'],
            ['excess_amount', 'excess_amount'],
            ['line_count', 'line_count'],
            ['lines', 'lines'],
            ['kb_points', kb_no_points()],
        ])) }} as evidence,
        {{ catalogue_result_level('R04') }} as result_level
    from stay_hits
),

visit_hit_rows as (
    select
        cast('R04' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R04', ["'visit'", 'visit_hits.mdtrt_id', 'visit_hits.hilist_code']) }} as hit_id,
        visit_hits.fixmedins_code,
        visit_hits.psn_no,
        visit_hits.mdtrt_id,
        visit_hits.setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        visit_hits.hilist_code,
        visit_hits.first_excess_date as occurred_on,
        {{ money('visit_hits.excess_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['check', "'知识点每次就诊限定数量 max_cnt per visit'"],
            ['mdtrt_id', 'visit_hits.mdtrt_id'],
            ['hilist_code', 'visit_hits.hilist_code'],
            ['hilist_name', 'visit_hits.hilist_name'],
            ['med_chrgitm_type', 'visit_hits.med_chrgitm_type'],
            ['net_cnt_of_visit', 'visit_hits.net_cnt'],
            ['excess_cnt', 'visit_hits.excess_cnt'],
            ['excess_cnt_in_other_hits', 'visit_hits.excess_cnt_in_other_hits'],
            ['excess_amount', 'visit_hits.excess_amount'],
            ['line_count', 'visit_hits.line_count'],
            ['lines', 'visit_hits.lines'],
            ['kb_points', 'visit_points.kb_points'],
        ])) }} as evidence,
        {{ kb_result_level('visit_points.point_result_level', 'false', catalogue_result_level('R04')) }}
            as result_level
    from visit_hits
    inner join visit_points
        on
            visit_hits.mdtrt_id = visit_points.mdtrt_id
            and visit_hits.hilist_code = visit_points.hilist_code
),

final as (
    select * from day_hit_rows
    union all
    select * from stay_hit_rows
    union all
    select * from visit_hit_rows
)

select * from final
