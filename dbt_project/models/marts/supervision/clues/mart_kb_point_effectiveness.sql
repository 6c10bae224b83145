{#- One row per knowledge point × calendar quarter with hits: the hits whose evidence names the point
    (a hit that broke several points counts for each), how they were reviewed and what was confirmed
    (docs: mart_kb_point_effectiveness). -#}
{{ config(materialized='table') }}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

hit_points as (
    select * from {{ ref('int_rule_hit_kb_points_listed') }}
),

reviews as (
    select * from {{ ref('mart_hit_reviews') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

reviewed_hits as (
    select
        hit_points.kb_point_id,
        hits.rule_code,
        cast(extract(year from hits.occurred_on) as integer) as year_number,
        cast(extract(quarter from hits.occurred_on) as integer) as quarter_number,
        hits.suspect_amount,
        hits.result_level,
        coalesce(reviews.is_reviewed, false) as is_reviewed,
        reviews.decision,
        reviews.confirmed_amt
    from hit_points
    inner join hits
        on hit_points.hit_id = hits.hit_id
    left join reviews
        on hits.hit_id = reviews.hit_id
),

{{ review_outcomes_summed('reviewed_hits', ['kb_point_id', 'rule_code']) }},

final as (
    select
        {{ year_quarter('summed.year_number', 'summed.quarter_number') }} as year_quarter,
        summed.year_number,
        summed.quarter_number,
        {{ quarter_start_date('summed.year_number', 'summed.quarter_number') }} as quarter_start_date,
        summed.kb_point_id,
        summed.rule_code,
        points.origin_name,
        points.batch,
        points.item_name,
        {{ review_outcome_columns('summed') }}
    from summed
    left join points
        on summed.kb_point_id = points.kb_point_id
)

select * from final
