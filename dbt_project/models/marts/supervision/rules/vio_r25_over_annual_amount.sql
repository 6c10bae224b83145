{#- R25: per person × current knowledge point of R25 (its side-A items, max_amount yuan) × calendar
    year, the person's billed lines of the point's items at all institutions (valid on their date), in
    time order (occurred_at, then feedetl_sn / sale_sn): the line whose running net amount first exceeds
    max_amount, and every later line. Hospital fee lines and pharmacy sale lines from
    int_billed_lines_unioned (net of refunds and returns). One hit per line however many points it
    breaks. suspect_amount = the crossing line's amount above the cap, later lines in full (a line
    several points put in question: the largest of their amounts). -#}
with

-- from the first day of the calendar year of the first hit evaluated (running amounts start there)
billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on', 366) }}
),

-- the whole rows of the few hit lines, read apart: person_lines is read once, so DuckDB does not
-- materialise it and the points' codes select the lines first
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

person_lines as (
    select
        *,
        coalesce(feedetl_sn, sale_sn) as line_sn,
        extract(year from occurred_on) as occurred_year
    from billed_lines
    where psn_no is not null
),

point_lines as (
    {{ kb_point_lines('R25', 'person_lines', 'points', 'point_codes', parameters=['max_amount']) }}
),

running as (
    select
        *,
        sum(net_amount) over (
            partition by psn_no, kb_point_id, occurred_year
            order by occurred_at, line_sn, line_source
            rows between unbounded preceding and current row
        ) as running_amount
    from point_lines
    where kb_max_amount is not null
),

breaches as (
    select
        *,
        case
            when running_amount - kb_max_amount < net_amount then running_amount - kb_max_amount
            else net_amount
        end as breach_amount
    from running
    where running_amount > kb_max_amount
),

hit_points as (
    {{ kb_breaches_by_line('breaches', [
        ['max_amount', 'kb_max_amount'],
        ['year', 'cast(occurred_year as integer)'],
        ['running_amount', 'running_amount'],
    ]) }}
),

hits as (
    select
        billed_line_details.*,
        hit_points.breach_amount,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
),

final as (
    select
        cast('R25' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R25', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('breach_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            [['visit_mdtrt_id', 'mdtrt_id'], ['med_type', 'med_type']],
            after=[['kb_points', 'kb_points']],
        ) }} as evidence,
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R25')) }}
            as result_level
    from hits
)

select * from final
