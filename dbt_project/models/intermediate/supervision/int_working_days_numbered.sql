{#- Every day from the first clue detection to 400 days past the latest of the last detection, the
    latest handling stage and today, numbered by working days (weekends, 放假 and 调休 from the
    cn_public_holidays seed, macro is_working_day): the Nth working day after a date d is the
    working day numbered number(d) + N, as mart_clues counts report due dates over its own, shorter
    span. Serves the stage deadlines (mart_clue_deadlines). It reads the clues, not dim_date: dim_date
    reads every fact feed, so a feed failing the quality gate would leave the deadlines unbuilt. -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

stages as (
    select * from {{ ref('fct_clue_stage') }}
),

holidays as (
    select * from {{ ref('cn_public_holidays') }}
),

stage_span as (
    select max(stage_date) as last_stage_date
    from stages
),

bounds as (
    select
        min(clues.detected_on) as start_date,
        cast({{ dbt.dateadd(
            'day',
            400,
            'greatest(max(clues.detected_on), coalesce(max(stage_span.last_stage_date), current_date), current_date)'
        ) }} as date) as end_date
    from clues
    cross join stage_span
),

days as (
    {{ day_series('start_date', 'end_date', 'bounds') }}
),

flagged as (
    select
        days.date_day,
        {{ is_working_day('days.date_day', 'holidays.day_type') }} as is_working_day
    from days
    left join holidays
        on days.date_day = holidays.calendar_date
),

final as (
    select
        date_day,
        is_working_day,
        sum(case when is_working_day then 1 else 0 end) over (
            order by date_day
            rows between unbounded preceding and current row
        ) as working_day_number
    from flagged
)

select * from final
