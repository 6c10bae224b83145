{#- R23: per person × current knowledge point of R23 (its side-A items, max_days) × scope —
    course_scope 'visit': one visit (an inpatient stay is one visit; a pharmacy sale's visit is its
    settlement), 'year': the calendar year —, the distinct calendar days on which the person has a
    billed line of the point's items (valid on that day) with a net quantity above 0, numbered in date
    order; every line on a day after the max_days-th is a hit. Hospital fee lines and pharmacy sale
    lines at all institutions from int_billed_lines_unioned (net of refunds and returns; fully
    refunded or returned lines are no billing day). One hit per line however many points it breaks.
    suspect_amount = the line's net amount. -#}
with

-- from a year before the first line evaluated (a 'year' course starts on the first of January; the
-- incremental fill starts a 'visit' course at its visit's first line: meta recompute.scope)
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
    select * from billed_lines
    where
        psn_no is not null
        and net_cnt > 0
),

point_lines as (
    {{ kb_point_lines('R23', 'person_lines', 'points', 'point_codes', parameters=['max_days', 'course_scope']) }}
),

scoped as (
    select
        *,
        case
            when kb_course_scope = 'visit'
                then {{ dbt.concat(["'visit|'", "coalesce(mdtrt_id, setl_id, billed_line_key)"]) }}
            else {{ dbt.concat(["'year|'", 'cast(extract(year from occurred_on) as ' ~ dbt.type_string() ~ ')']) }}
        end as course_key
    from point_lines
    where
        kb_max_days is not null
        and kb_course_scope in ('visit', 'year')
),

-- the n-th distinct billing day of the course
course_days as (
    select
        *,
        dense_rank() over (
            partition by psn_no, kb_point_id, course_key
            order by occurred_on
        ) as course_day,
        min(occurred_on) over (partition by psn_no, kb_point_id, course_key) as course_first_date
    from scoped
),

breaches as (
    select
        *,
        net_amount as breach_amount
    from course_days
    where course_day > kb_max_days
),

hit_points as (
    {{ kb_breaches_by_line('breaches', [
        ['max_days', 'kb_max_days'],
        ['course_scope', 'kb_course_scope'],
        ['course_first_date', 'course_first_date'],
        ['course_day', 'cast(course_day as integer)'],
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
        cast('R23' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R23', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
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
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R23')) }}
            as result_level
    from hits
)

select * from final
