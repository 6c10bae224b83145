{#- Every day from the warehouse calendar's first day to 400 days past the latest of its last day,
    the latest handling stage and today, numbered by working days (weekends, 放假 and 调休 from the
    cn_public_holidays seed, macro is_working_day): the Nth working day after a date d is the
    working day numbered number(d) + N, as mart_clues counts report due dates over its own, shorter
    span. Serves the stage deadlines (mart_clue_deadlines). -#}
with

dates as (
    select * from {{ ref('dim_date') }}
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
        min(dates.date_day) as start_date,
        cast({{ dbt.dateadd(
            'day',
            400,
            'greatest(max(dates.date_day), coalesce(max(stage_span.last_stage_date), current_date), current_date)'
        ) }} as date) as end_date
    from dates
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
