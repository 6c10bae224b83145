{#- One row per rule hit with its current review from the case_hit_review feed (docs: mart_hit_reviews). -#}
{{ config(materialized='table') }}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

reviews as (
    select * from {{ ref('fct_hit_review') }}
),

-- the latest review_date of a hit is its outcome; on the same date the later delivery and file line
ranked_reviews as (
    select
        reviews.hit_id,
        reviews.review_date,
        reviews.decision,
        reviews.decision_name,
        reviews.confirmed_amt,
        row_number() over (
            partition by reviews.hit_id
            order by reviews.review_date desc, reviews.source_period desc, reviews.source_line desc
        ) as review_rank,
        count(*) over (partition by reviews.hit_id) as review_count
    from reviews
),

current_reviews as (
    select * from ranked_reviews
    where review_rank = 1
),

final as (
    select
        hits.hit_id,
        hits.rule_code,
        hits.fixmedins_code,
        {{ clue_id('hits.fixmedins_code', 'hits.occurred_on') }} as clue_id,
        {{ year_quarter(
            'extract(year from hits.occurred_on)', 'extract(quarter from hits.occurred_on)'
        ) }} as year_quarter,
        cast({{ dbt.date_trunc('quarter', 'hits.occurred_on') }} as date) as quarter_start_date,
        hits.occurred_on,
        hits.result_level,
        hits.suspect_amount,
        current_reviews.hit_id is not null as is_reviewed,
        current_reviews.decision,
        current_reviews.decision_name,
        case
            when current_reviews.decision = '3' then {{ money('0') }}
            else {{ money('current_reviews.confirmed_amt') }}
        end as confirmed_amt,
        current_reviews.review_date,
        cast(coalesce(current_reviews.review_count, 0) as integer) as review_count
    from hits
    left join current_reviews
        on hits.hit_id = current_reviews.hit_id
)

select * from final
