{#- 要情报告: every clue whose suspect amount reaches major_case_amount, with its due date and
    whether its first handling stage was recorded by then (docs: rpt_major_cases). -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

clue_stages as (
    select * from {{ ref('fct_clue_stage') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

first_stages as (
    select
        clue_id,
        min(stage_date) as first_stage_date
    from clue_stages
    group by clue_id
),

final as (
    select
        clues.year_quarter,
        clues.year_number,
        clues.quarter_number,
        {{ quarter_start_date('clues.year_number', 'clues.quarter_number') }} as quarter_start_date,
        clues.clue_id,
        clues.fixmedins_code,
        institutions.fixmedins_name,
        institutions.admdvs,
        institutions.admdvs_name,
        clues.suspect_amount,
        clues.top_rule_code,
        clues.major_case_detected_on,
        clues.report_due_date,
        first_stages.first_stage_date as reported_on,
        coalesce(first_stages.first_stage_date <= clues.report_due_date, false) as is_reported_on_time,
        clues.latest_stage_name,
        clues.is_closed,
        clues.confirmed_amount
    from clues
    left join first_stages
        on clues.clue_id = first_stages.clue_id
    left join institutions
        on clues.fixmedins_code = institutions.fixmedins_code
    where clues.must_report
)

select * from final
