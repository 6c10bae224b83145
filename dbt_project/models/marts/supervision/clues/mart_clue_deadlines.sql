{#- One row per clue: the handling stage due next, its deadline in working days and whether it is
    overdue as of today — or var casework_as_of_date (docs: mart_clue_deadlines). A view, so "today"
    is the day it is read. -#}
{%- set limits = [
    ('1', var('clue_due_days_first_review')),
    ('2', var('clue_due_days_second_review')),
    ('3', var('clue_due_days_appeal')),
    ('4', var('clue_due_days_investigation')),
    ('5', var('clue_due_days_sanction')),
] -%}
{%- set as_of = var('casework_as_of_date') -%}

with

clues as (
    select * from {{ ref('mart_clues') }}
),

working_days as (
    select * from {{ ref('int_working_days_numbered') }}
),

stage_names as (
    select * from {{ ref('code_clue_stage') }}
),

as_of as (
    select {% if as_of %}cast('{{ as_of }}' as date){% else %}current_date{% endif %} as as_of_date
),

-- the time limit of each stage, in working days after the step before it
stage_limits as (
    {% for stage, days in limits -%}
    select
        '{{ stage }}' as stage,
        {{ days | int }} as due_working_days
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- the next stage in 初审 → 复审 → 申诉 → 调查核实 → 违规处理, counted from detection (no stage
-- recorded yet) or from the latest recorded stage; closed clues (违规处理, 排除) have none
next_steps as (
    select
        clue_id,
        detected_on,
        must_report,
        report_due_date,
        is_closed,
        latest_stage,
        latest_stage_date,
        case
            when is_closed then null
            when latest_stage is null then '1'
            when latest_stage = '1' then '2'
            when latest_stage = '2' then '3'
            when latest_stage = '3' then '4'
            when latest_stage = '4' then '5'
        end as next_stage,
        case when latest_stage is null then detected_on else latest_stage_date end as due_from_date
    from clues
),

stage_due as (
    select
        next_steps.clue_id,
        stage_limits.due_working_days,
        min(due_day.date_day) as stage_due_date
    from next_steps
    inner join stage_limits
        on next_steps.next_stage = stage_limits.stage
    inner join working_days as from_day
        on next_steps.due_from_date = from_day.date_day
    inner join working_days as due_day
        on
            due_day.working_day_number = from_day.working_day_number + stage_limits.due_working_days
            and due_day.is_working_day
    group by next_steps.clue_id, stage_limits.due_working_days
),

-- a 要情 clue without any stage: its first stage is also the report, due by report_due_date
due as (
    select
        next_steps.*,
        stage_due.due_working_days,
        case
            when
                next_steps.latest_stage is null and next_steps.must_report
                and next_steps.report_due_date < stage_due.stage_due_date
                then next_steps.report_due_date
            else stage_due.stage_due_date
        end as next_due_date,
        coalesce(
            next_steps.latest_stage is null and next_steps.must_report
            and next_steps.report_due_date < stage_due.stage_due_date,
            false
        ) as is_due_for_report
    from next_steps
    left join stage_due
        on next_steps.clue_id = stage_due.clue_id
),

final as (
    select
        due.clue_id,
        due.latest_stage,
        due.latest_stage_date,
        due.is_closed,
        due.next_stage,
        stage_names.name_zh as next_stage_name,
        due.due_from_date,
        cast(due.due_working_days as integer) as due_working_days,
        due.is_due_for_report,
        due.next_due_date,
        as_of.as_of_date,
        coalesce(as_of.as_of_date > due.next_due_date, false) as is_overdue,
        -- working days from as_of_date to the deadline: negative once overdue
        cast(due_number.working_day_number - as_of_number.working_day_number as integer) as working_days_to_due
    from due
    cross join as_of
    left join stage_names
        on due.next_stage = stage_names.code
    left join working_days as due_number
        on due.next_due_date = due_number.date_day
    left join working_days as as_of_number
        on as_of.as_of_date = as_of_number.date_day
)

select * from final
