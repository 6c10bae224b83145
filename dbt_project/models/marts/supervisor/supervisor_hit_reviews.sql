{#- One row per review delivered in the case_hit_review feed, matched to its hit or flagged as
    unmatched with the reason (docs: supervisor_hit_reviews). Person-level: supervisors only. -#}
with

reviews as (
    select * from {{ ref('fct_hit_review') }}
),

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

rules as (
    select * from {{ ref('rule_catalogue') }}
),

current_reviews as (
    select * from {{ ref('mart_hit_reviews') }}
),

unmatched as (
    select * from {{ ref('mart_hit_reviews_unmatched') }}
),

final as (
    select
        reviews.hit_id,
        reviews.review_date,
        reviews.decision,
        reviews.decision_name,
        reviews.confirmed_amt,
        reviews.reviewer,
        reviews.reason,
        hits.hit_id is not null as is_matched,
        coalesce(current_reviews.review_date = reviews.review_date, false) as is_current,
        current_reviews.clue_id,
        current_reviews.year_quarter,
        hits.rule_code,
        rules.rule_name_zh,
        hits.fixmedins_code,
        hits.psn_no,
        hits.occurred_on,
        hits.suspect_amount,
        hits.result_level,
        unmatched.unmatched_reason,
        unmatched.unmatched_reason_zh,
        reviews.source_file as _file,
        reviews.source_line as _line,
        reviews.source_period as _period
    from reviews
    left join hits
        on reviews.hit_id = hits.hit_id
    left join rules
        on hits.rule_code = rules.rule_code
    left join current_reviews
        on reviews.hit_id = current_reviews.hit_id
    left join unmatched
        on
            reviews.hit_id = unmatched.hit_id
            and reviews.review_date = unmatched.review_date
)

select * from final
