{#- Every day from the first clue detection to 400 days past the latest of the last detection, the
    latest handling stage and today, numbered by working days (macro working_days_numbered, which
    mart_clues uses for report due dates over its own, shorter span). Serves the stage deadlines
    (mart_clue_deadlines). It reads the clues, not dim_date: dim_date reads every fact feed, so a feed
    failing the quality gate would leave the deadlines unbuilt. -#}
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

final as (
    {{ working_days_numbered('bounds', 'holidays') }}
)

select * from final
