{#- One row per recorded review whose hit_id is not a hit of fct_rule_hits: kept and reported, never
    dropped (DATA_CONTRACT.md case_hit_review; docs: mart_hit_reviews_unmatched). -#}
{{ config(materialized='table') }}

with

reviews as (
    select * from {{ ref('fct_hit_review') }}
),

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

final as (
    select
        reviews.hit_id,
        reviews.review_date,
        reviews.decision,
        reviews.decision_name,
        reviews.confirmed_amt,
        reviews.reviewer,
        'unknown_hit_id' as unmatched_reason,
        '疑点编号不在当前的规则疑点中：编号有误（请从复核表复制，勿手工录入），或数据更正后该疑点已不再成立'
            as unmatched_reason_zh,
        reviews.source_file as _file,
        reviews.source_line as _line,
        reviews.source_period as _period
    from reviews
    left join hits
        on reviews.hit_id = hits.hit_id
    where hits.hit_id is null
)

select * from final
