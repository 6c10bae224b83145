{#- 要情报告: every clue whose suspect amount reaches major_case_amount, with its due date and
    whether its first handling stage was recorded by then, as mart_clues decides it
    (docs: rpt_major_cases). -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
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
        clues.first_stage_date as reported_on,
        clues.is_reported_on_time,
        clues.latest_stage_name,
        clues.is_closed,
        clues.confirmed_amount
    from clues
    left join institutions
        on clues.fixmedins_code = institutions.fixmedins_code
    where clues.must_report
)

select * from final
