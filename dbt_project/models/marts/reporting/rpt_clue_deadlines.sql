{#- 线索处置时限: every open clue with the stage due next, its deadline and whether it is overdue on
    the day the table was built (mart_clue_deadlines; docs: rpt_clue_deadlines). -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

deadlines as (
    select * from {{ ref('mart_clue_deadlines') }}
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
        clues.must_report,
        coalesce(clues.latest_stage_name, '未处置') as latest_stage_name,
        clues.latest_stage_date,
        deadlines.next_stage_name,
        deadlines.next_due_date,
        deadlines.as_of_date,
        deadlines.is_overdue,
        deadlines.working_days_to_due,
        case when deadlines.is_overdue then -deadlines.working_days_to_due end as overdue_working_days
    from clues
    inner join deadlines
        on clues.clue_id = deadlines.clue_id
    left join institutions
        on clues.fixmedins_code = institutions.fixmedins_code
    where not clues.is_closed
)

select * from final
