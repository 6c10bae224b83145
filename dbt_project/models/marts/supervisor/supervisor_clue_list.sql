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

deadlines as (
    select * from {{ ref('mart_clue_deadlines') }}
),

hit_reviews as (
    select * from {{ ref('mart_hit_reviews') }}
),

-- how far the clue's hits are reviewed (case_hit_review): the latest review of each hit
review_progress as (
    select
        clue_id,
        sum(case when is_reviewed then 1 else 0 end) as reviewed_hit_count,
        sum(case when decision in ('1', '2') then 1 else 0 end) as confirmed_hit_count,
        sum(case when decision = '3' then 1 else 0 end) as excluded_hit_count,
        sum(case when decision in ('1', '2') then confirmed_amt else 0 end) as hit_confirmed_amount
    from hit_reviews
    group by clue_id
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
        deadlines.next_stage_name,
        deadlines.next_due_date,
        deadlines.is_overdue,
        deadlines.working_days_to_due,
        cast(coalesce(review_progress.reviewed_hit_count, 0) as bigint) as reviewed_hit_count,
        cast(coalesce(review_progress.confirmed_hit_count, 0) as bigint) as confirmed_hit_count,
        cast(coalesce(review_progress.excluded_hit_count, 0) as bigint) as excluded_hit_count,
        {{ money('coalesce(review_progress.hit_confirmed_amount, 0)') }} as hit_confirmed_amount,
        clues.new_hit_count,
        clues.new_amount,
        clues.persisting_hit_count,
        clues.persisting_amount
    from clues
    left join institutions
        on clues.fixmedins_code = institutions.fixmedins_code
    left join top_rules
        on clues.clue_id = top_rules.clue_id
    left join deadlines
        on clues.clue_id = deadlines.clue_id
    left join review_progress
        on clues.clue_id = review_progress.clue_id
)

select * from final
