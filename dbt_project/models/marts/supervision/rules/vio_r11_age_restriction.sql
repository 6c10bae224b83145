{#- R11: an item restricted to an age range, charged for a person outside it on the event date. The
    restriction is the catalogue row (valid on the event date) columns lmt_age_min / lmt_age_max, or a
    current knowledge point of R11 naming the item (side A), valid on the event date, with
    lmt_age_min / lmt_age_max (whole years, bounds inclusive; the birthday itself counts as the new
    age) or lmt_age_max_days (age in days since birth, inclusive: 新生儿 = 28). Hospital fee lines and
    pharmacy sale lines from int_billed_lines_unioned; one hit per line however many restrictions it
    breaks. suspect_amount = net line amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- read a second time for the whole rows of the few hit lines (aged is read three times, so DuckDB
-- materialises it: it carries only the columns the checks need)
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

persons as (
    select * from {{ ref('dim_person') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

-- whole years on the event date: one less while the birthday of that year is still ahead
aged as (
    select
        billed_lines.billed_line_key,
        billed_lines.hilist_code,
        billed_lines.occurred_on,
        billed_lines.lmt_age_min,
        billed_lines.lmt_age_max,
        persons.brdy,
        extract(year from billed_lines.occurred_on)
        - extract(year from persons.brdy)
        - case
            when
                extract(month from billed_lines.occurred_on) * 100
                + extract(day from billed_lines.occurred_on)
                < extract(month from persons.brdy) * 100 + extract(day from persons.brdy)
                then 1
            else 0
        end as age_years,
        {{ dbt.datediff('persons.brdy', 'billed_lines.occurred_on', 'day') }} as age_days
    from billed_lines
    inner join persons
        on billed_lines.psn_no = persons.psn_no
    where persons.brdy is not null
),

catalogue_breaches as (
    select billed_line_key from aged
    where
        age_years < lmt_age_min
        or age_years > lmt_age_max
),

point_lines as (
    {{ kb_point_lines('R11', 'aged', 'points', 'point_codes',
        parameters=['lmt_age_min', 'lmt_age_max', 'lmt_age_max_days']) }}
),

point_breaches as (
    select * from point_lines
    where
        age_years < kb_lmt_age_min
        or age_years > kb_lmt_age_max
        or age_days > kb_lmt_age_max_days
),

hit_keys as (
    select billed_line_key from catalogue_breaches
    union
    select billed_line_key from point_breaches
),

-- every point a hit line broke (none: an empty list)
hit_points as (
    select
        hit_keys.billed_line_key,
        catalogue_breaches.billed_line_key is not null as catalogue_broken,
        min(point_breaches.kb_result_level) as point_result_level,
        {{ kb_points_agg([
            ['lmt_age_min', 'point_breaches.kb_lmt_age_min'],
            ['lmt_age_max', 'point_breaches.kb_lmt_age_max'],
            ['lmt_age_max_days', 'point_breaches.kb_lmt_age_max_days'],
        ]) }} as kb_points
    from hit_keys
    left join catalogue_breaches
        on hit_keys.billed_line_key = catalogue_breaches.billed_line_key
    left join point_breaches
        on hit_keys.billed_line_key = point_breaches.billed_line_key
    group by hit_keys.billed_line_key, catalogue_breaches.billed_line_key
),

hits as (
    select
        billed_line_details.*,
        aged.brdy,
        aged.age_years,
        aged.age_days,
        hit_points.catalogue_broken,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join aged
        on hit_points.billed_line_key = aged.billed_line_key
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
),

final as (
    select
        cast('R11' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R11', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ billed_line_evidence(restriction_findings(
            limits=[
                ['lmt_age_min', 'lmt_age_min'],
                ['lmt_age_max', 'lmt_age_max'],
            ],
            checked=[
                ['age_on_event_date', 'cast(age_years as integer)'],
                ['age_days_on_event_date', 'cast(age_days as integer)'],
            ],
        ), after=[['kb_points', 'kb_points']]) }} as evidence,
        {{ kb_result_level('point_result_level', 'catalogue_broken', catalogue_result_level('R11')) }}
            as result_level
    from hits
)

select * from final
