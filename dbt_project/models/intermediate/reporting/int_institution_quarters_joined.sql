{#- One row per institution × report quarter with anything to report: designation, inspections,
    rule hits, a clue or tip-offs, each source's measures side by side (0 where it has none). Tip-offs
    naming no institution form the rows with an empty fixmedins_code. -#}
with

quarters as (
    select * from {{ ref('int_report_quarters_listed') }}
),

designated as (
    select * from {{ ref('int_institution_quarters_designated') }}
),

inspections as (
    select * from {{ ref('int_inspections_summed_quarterly') }}
),

hits as (
    select * from {{ ref('int_rule_hits_summed_quarterly') }}
),

clues as (
    select * from {{ ref('int_clues_summed_quarterly') }}
),

tipoffs as (
    select * from {{ ref('int_tipoffs_summed_quarterly') }}
),

keys as (
    select
        fixmedins_code,
        year_number,
        quarter_number
    from designated

    union

    select
        fixmedins_code,
        year_number,
        quarter_number
    from inspections

    union

    select
        fixmedins_code,
        year_number,
        quarter_number
    from hits

    union

    select
        fixmedins_code,
        year_number,
        quarter_number
    from clues

    union

    select
        fixmedins_code,
        year_number,
        quarter_number
    from tipoffs
),

-- only the report quarters; an empty fixmedins_code meets its tip-offs (is not distinct from)
final as (
    select
        keys.fixmedins_code,
        keys.year_number,
        keys.quarter_number,
        designated.fixmedins_code is not null as is_designated,
        inspections.fixmedins_code is not null as is_inspected,
        hits.fixmedins_code is not null as has_hits,
        coalesce(inspections.inspection_count, 0) as inspection_count,
        coalesce(inspections.problem_inspection_count, 0) as problem_inspection_count,
        {%- for code in ['1', '2', '3', '4', '5', '6'] %}
        coalesce(inspections.action_{{ code }}_count, 0) as action_{{ code }}_count,
        {%- endfor %}
        coalesce(inspections.refused_amount, 0) as refused_amount,
        coalesce(inspections.recovered_amount, 0) as recovered_amount,
        coalesce(inspections.penalty_amount, 0) as penalty_amount,
        coalesce(hits.hit_count, 0) as hit_count,
        coalesce(hits.suspect_amount, 0) as suspect_amount,
        coalesce(clues.clue_count, 0) as clue_count,
        coalesce(clues.clue_unhandled_count, 0) as clue_unhandled_count,
        {%- for code in ['1', '2', '3', '4', '5', '9'] %}
        coalesce(clues.clue_stage_{{ code }}_count, 0) as clue_stage_{{ code }}_count,
        {%- endfor %}
        coalesce(clues.clue_closed_count, 0) as clue_closed_count,
        coalesce(clues.confirmed_amount, 0) as confirmed_amount,
        coalesce(clues.major_case_count, 0) as major_case_count,
        coalesce(clues.major_case_on_time_count, 0) as major_case_on_time_count,
        coalesce(tipoffs.tipoff_count, 0) as tipoff_count,
        coalesce(tipoffs.tipoff_verified_count, 0) as tipoff_verified_count,
        coalesce(tipoffs.tipoff_rewarded_count, 0) as tipoff_rewarded_count,
        coalesce(tipoffs.reward_amount, 0) as reward_amount
    from keys
    inner join quarters
        on
            keys.year_number = quarters.year_number
            and keys.quarter_number = quarters.quarter_number
    left join designated
        on
            keys.fixmedins_code = designated.fixmedins_code
            and keys.year_number = designated.year_number
            and keys.quarter_number = designated.quarter_number
    left join inspections
        on
            keys.fixmedins_code = inspections.fixmedins_code
            and keys.year_number = inspections.year_number
            and keys.quarter_number = inspections.quarter_number
    left join hits
        on
            keys.fixmedins_code = hits.fixmedins_code
            and keys.year_number = hits.year_number
            and keys.quarter_number = hits.quarter_number
    left join clues
        on
            keys.fixmedins_code = clues.fixmedins_code
            and keys.year_number = clues.year_number
            and keys.quarter_number = clues.quarter_number
    left join tipoffs
        on
            keys.fixmedins_code is not distinct from tipoffs.fixmedins_code
            and keys.year_number = tipoffs.year_number
            and keys.quarter_number = tipoffs.quarter_number
)

select * from final
