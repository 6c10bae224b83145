{#- One row per clue, for supervisors: where, what, how much, what is due, how far handled
    (docs: supervisor_clue_list). Work order: open clues first, then closed, each by priority_rank
    (list_rank). Drill into a clue with supervisor_clue_hits. -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

clue_rules as (
    select * from {{ ref('mart_clue_rules') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

-- "R05 分解住院 8000.00元 (1)": rule, name, suspect amount, number of hits
rule_labels as (
    select
        clue_id,
        rule_rank,
        {{ dbt.concat([
            'rule_code',
            "' '",
            "coalesce(rule_name_zh, '')",
            "' '",
            'cast(suspect_amount as ' ~ dbt.type_string() ~ ')',
            "'元 ('",
            'cast(hit_count as ' ~ dbt.type_string() ~ ')',
            "')'",
        ]) }} as rule_label
    from clue_rules
    where rule_rank <= 3
),

top_rules as (
    select
        clue_id,
        max(case when rule_rank = 1 then rule_label end) as rule_1,
        max(case when rule_rank = 2 then rule_label end) as rule_2,
        max(case when rule_rank = 3 then rule_label end) as rule_3
    from rule_labels
    group by clue_id
),

final as (
    select
        clues.clue_id,
        clues.year_quarter,
        clues.priority_rank,
        clues.priority_score,
        cast(row_number() over (
            partition by clues.year_quarter
            order by case when clues.is_closed then 1 else 0 end, clues.priority_rank
        ) as integer) as list_rank,
        case when clues.is_closed then '已办结' else '未办结' end as handling_status,
        clues.fixmedins_code,
        institutions.fixmedins_name,
        institutions.fixmedins_type_name,
        institutions.hosp_lv_name,
        institutions.admdvs,
        institutions.current_agreement_status_name,
        clues.hit_count,
        clues.rule_count,
        clues.person_count,
        clues.suspect_amount,
        clues.certain_hit_count,
        clues.certain_amount,
        clues.review_hit_count,
        clues.review_amount,
        {{ dbt.concat([
            "coalesce(top_rules.rule_1, '')",
            "coalesce(" ~ dbt.concat(["'；'", 'top_rules.rule_2']) ~ ", '')",
            "coalesce(" ~ dbt.concat(["'；'", 'top_rules.rule_3']) ~ ", '')",
        ]) }} as top_rules,
        clues.first_hit_on,
        clues.last_hit_on,
        clues.detected_on,
        clues.must_report,
        clues.major_case_detected_on,
        clues.report_due_date,
        clues.latest_stage,
        clues.latest_stage_name,
        clues.latest_stage_date,
        clues.is_closed,
        clues.confirmed_amount,
        clues.new_hit_count,
        clues.new_amount,
        clues.persisting_hit_count,
        clues.persisting_amount
    from clues
    left join institutions
        on clues.fixmedins_code = institutions.fixmedins_code
    left join top_rules
        on clues.clue_id = top_rules.clue_id
)

select * from final
