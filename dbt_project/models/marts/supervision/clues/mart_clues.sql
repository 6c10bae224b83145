{#- One clue per institution × calendar quarter with at least one rule hit (docs: mart_clues). -#}
{{ config(materialized='table') }}

{%- set major = var('major_case_amount') %}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

rules as (
    select * from {{ ref('rule_catalogue') }}
),

holidays as (
    select * from {{ ref('cn_public_holidays') }}
),

stages as (
    select * from {{ ref('fct_clue_stage') }}
),

history as (
    select * from {{ ref('mart_hit_history') }}
),

-- every hit in its clue: the institution and the calendar quarter of occurred_on
clue_hits as (
    select
        {{ clue_id('hits.fixmedins_code', 'hits.occurred_on') }} as clue_id,
        hits.fixmedins_code,
        cast(extract(year from hits.occurred_on) as integer) as year_number,
        cast(extract(quarter from hits.occurred_on) as integer) as quarter_number,
        cast({{ dbt.date_trunc('month', 'hits.occurred_on') }} as date) as hit_month,
        hits.rule_code,
        hits.psn_no,
        hits.occurred_on,
        hits.suspect_amount,
        hits.result_level,
        coalesce(rules.severity, 1) as severity,
        history.hit_status
    from hits
    left join rules
        on hits.rule_code = rules.rule_code
    left join history
        on hits.hit_id = history.hit_id
),

clue_totals as (
    select
        clue_id,
        fixmedins_code,
        year_number,
        quarter_number,
        count(*) as hit_count,
        count(distinct rule_code) as rule_count,
        count(distinct psn_no) as person_count,
        sum(suspect_amount) as suspect_amount,
        sum(case when result_level = '1' then 1 else 0 end) as certain_hit_count,
        sum(case when result_level = '1' then suspect_amount else 0 end) as certain_amount,
        sum(case when result_level = '1' then 0 else 1 end) as review_hit_count,
        sum(case when result_level = '1' then 0 else suspect_amount end) as review_amount,
        max(severity) as max_severity,
        min(occurred_on) as first_hit_on,
        max(occurred_on) as last_hit_on,
        min(hit_month) as first_hit_month,
        sum(case when hit_status = 'new' then 1 else 0 end) as new_hit_count,
        sum(case when hit_status = 'new' then suspect_amount else 0 end) as new_amount,
        sum(case when hit_status = 'persisting' then 1 else 0 end) as persisting_hit_count,
        sum(case when hit_status = 'persisting' then suspect_amount else 0 end) as persisting_amount
    from clue_hits
    group by clue_id, fixmedins_code, year_number, quarter_number
),

-- the rule with the largest suspect amount (then most hits, then the lowest code)
rule_totals as (
    select
        clue_id,
        rule_code,
        row_number() over (
            partition by clue_id
            order by sum(suspect_amount) desc, count(*) desc, rule_code asc
        ) as rule_rank
    from clue_hits
    group by clue_id, rule_code
),

top_rules as (
    select * from rule_totals
    where rule_rank = 1
),

-- the quarter's running suspect amount at each month-end close: the month whose data first
-- carries the clue past major_case_amount
clue_months as (
    select
        clue_id,
        hit_month,
        sum(suspect_amount) as month_amount
    from clue_hits
    group by clue_id, hit_month
),

running_amounts as (
    select
        clue_id,
        hit_month,
        sum(month_amount) over (
            partition by clue_id
            order by hit_month
            rows between unbounded preceding and current row
        ) as running_amount
    from clue_months
),

major_case_months as (
    select
        clue_id,
        min(hit_month) as major_case_month
    from running_amounts
    where running_amount >= {{ major }}
    group by clue_id
),

-- detection: the day after the close of the month whose data first showed the clue
detection as (
    select
        clue_totals.clue_id,
        cast({{ dbt.dateadd('month', 1, 'clue_totals.first_hit_month') }} as date) as detected_on,
        cast({{ dbt.dateadd('month', 1, 'major_case_months.major_case_month') }} as date) as major_case_detected_on
    from clue_totals
    left join major_case_months
        on clue_totals.clue_id = major_case_months.clue_id
),

-- working days numbered from the first detection date on (weekends, 放假 and 调休 from the seed)
calendar_bounds as (
    select
        min(major_case_detected_on) as start_date,
        cast({{ dbt.dateadd('day', 60, 'max(major_case_detected_on)') }} as date) as end_date
    from detection
),

working_days as (
    {{ working_days_numbered('calendar_bounds', 'holidays') }}
),

-- the Nth working day after the detection date (the detection date itself never counts)
report_due as (
    select
        detection.clue_id,
        min(due.date_day) as report_due_date
    from detection
    inner join working_days as detected
        on detection.major_case_detected_on = detected.date_day
    inner join working_days as due
        on
            due.working_day_number = detected.working_day_number + {{ var('report_due_working_days') }}
            and due.is_working_day
    group by detection.clue_id
),

-- handling stages: the latest record wins (later date, then the later stage code, then the
-- later delivery); the confirmed amount is the latest one recorded; the first record (any stage)
-- stands for the 要情 report
ranked_stages as (
    select
        clue_id,
        stage,
        stage_name,
        stage_date,
        confirmed_amt,
        row_number() over (
            partition by clue_id
            order by stage_date desc, stage desc, source_period desc, source_line desc
        ) as stage_rank,
        count(*) over (partition by clue_id) as stage_count,
        min(stage_date) over (partition by clue_id) as first_stage_date
    from stages
),

latest_stages as (
    select * from ranked_stages
    where stage_rank = 1
),

ranked_confirmed as (
    select
        clue_id,
        confirmed_amt,
        row_number() over (
            partition by clue_id
            order by stage_date desc, stage desc, source_period desc, source_line desc
        ) as confirmed_rank
    from stages
    where confirmed_amt is not null
),

latest_confirmed as (
    select * from ranked_confirmed
    where confirmed_rank = 1
),

scored as (
    select
        clue_totals.*,
        row_number() over (
            partition by clue_totals.fixmedins_code
            order by clue_totals.year_number, clue_totals.quarter_number
        ) - 1 as prior_clue_quarters
    from clue_totals
),

points as (
    select
        scored.*,
        {{ var('clue_score_amount_points') }} * least(
            1.0,
            ln(1 + greatest(scored.suspect_amount, 0)) / ln(1 + {{ major }})
        )
        + {{ var('clue_score_severity_points') }} * scored.max_severity / 3.0
        + {{ var('clue_score_rule_points') }} * least(scored.rule_count, {{ var('clue_score_max_rules') }})
        + {{ var('clue_score_repeat_points') }}
        * least(scored.prior_clue_quarters, {{ var('clue_score_max_repeats') }}) as raw_priority_score
    from scored
),

final as (
    select
        points.clue_id,
        points.fixmedins_code,
        {{ year_quarter('points.year_number', 'points.quarter_number') }} as year_quarter,
        points.year_number,
        points.quarter_number,
        cast({{ dbt.date_trunc('quarter', 'points.first_hit_on') }} as date) as quarter_start_date,
        {{ dbt.last_day('points.first_hit_on', 'quarter') }} as quarter_end_date,
        cast(points.hit_count as bigint) as hit_count,
        cast(points.rule_count as integer) as rule_count,
        cast(points.person_count as integer) as person_count,
        {{ money('points.suspect_amount') }} as suspect_amount,
        cast(points.certain_hit_count as bigint) as certain_hit_count,
        {{ money('points.certain_amount') }} as certain_amount,
        cast(points.review_hit_count as bigint) as review_hit_count,
        {{ money('points.review_amount') }} as review_amount,
        top_rules.rule_code as top_rule_code,
        cast(points.max_severity as integer) as max_severity,
        points.first_hit_on,
        points.last_hit_on,
        cast(points.prior_clue_quarters as integer) as prior_clue_quarters,
        cast(round(points.raw_priority_score, 2) as decimal(5, 2)) as priority_score,
        cast(row_number() over (
            partition by points.year_number, points.quarter_number
            order by round(points.raw_priority_score, 2) desc, points.suspect_amount desc, points.clue_id asc
        ) as integer) as priority_rank,
        detection.detected_on,
        points.suspect_amount >= {{ major }} as must_report,
        detection.major_case_detected_on,
        report_due.report_due_date,
        -- 按期报告 of a 要情: its first recorded stage on or before the due date (none recorded: late)
        case
            when points.suspect_amount >= {{ major }}
                then coalesce(latest_stages.first_stage_date <= report_due.report_due_date, false)
        end as is_reported_on_time,
        cast(coalesce(latest_stages.stage_count, 0) as integer) as stage_count,
        latest_stages.first_stage_date,
        latest_stages.stage as latest_stage,
        latest_stages.stage_name as latest_stage_name,
        latest_stages.stage_date as latest_stage_date,
        coalesce(latest_stages.stage in ('5', '9'), false) as is_closed,
        case when latest_stages.stage in ('5', '9') then latest_stages.stage_date end as closed_on,
        case
            when latest_stages.stage = '9' then {{ money('0') }}
            else {{ money('latest_confirmed.confirmed_amt') }}
        end as confirmed_amount,
        -- the hit history (mart_hit_history): first seen in the latest run, or seen before too
        cast(points.new_hit_count as bigint) as new_hit_count,
        {{ money('points.new_amount') }} as new_amount,
        cast(points.persisting_hit_count as bigint) as persisting_hit_count,
        {{ money('points.persisting_amount') }} as persisting_amount
    from points
    inner join detection
        on points.clue_id = detection.clue_id
    left join top_rules
        on points.clue_id = top_rules.clue_id
    left join report_due
        on points.clue_id = report_due.clue_id
    left join latest_stages
        on points.clue_id = latest_stages.clue_id
    left join latest_confirmed
        on points.clue_id = latest_confirmed.clue_id
)

select * from final
