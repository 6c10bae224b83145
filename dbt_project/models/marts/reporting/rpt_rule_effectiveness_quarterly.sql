{#- 规则成效: one row per rule × calendar quarter with hits — how many were reviewed and how the reviews
    came out (查实率), what was suspected and what was confirmed, and whether the rule needs tuning
    (docs: rpt_rule_effectiveness_quarterly). -#}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

reviews as (
    select * from {{ ref('mart_hit_reviews') }}
),

rules as (
    select * from {{ ref('rule_catalogue') }}
),

reviewed_hits as (
    select
        hits.rule_code,
        cast(extract(year from hits.occurred_on) as integer) as year_number,
        cast(extract(quarter from hits.occurred_on) as integer) as quarter_number,
        hits.suspect_amount,
        hits.result_level,
        coalesce(reviews.is_reviewed, false) as is_reviewed,
        reviews.decision,
        reviews.confirmed_amt
    from hits
    left join reviews
        on hits.hit_id = reviews.hit_id
),

{{ review_outcomes_summed('reviewed_hits', ['rule_code']) }},

final as (
    select
        {{ year_quarter('summed.year_number', 'summed.quarter_number') }} as year_quarter,
        summed.year_number,
        summed.quarter_number,
        {{ quarter_start_date('summed.year_number', 'summed.quarter_number') }} as quarter_start_date,
        summed.rule_code,
        rules.rule_name_zh,
        rules.category,
        {{ review_outcome_columns('summed') }}
    from summed
    left join rules
        on summed.rule_code = rules.rule_code
)

select * from final
