with

reviews as (
    select * from {{ ref('stg_casework__hit_reviews') }}
),

decision_names as (
    select * from {{ ref('code_hit_review_decision') }}
),

final as (
    select
        {{ surrogate_key(['reviews.hit_id', 'reviews.review_date']) }} as hit_review_key,
        reviews.hit_id,
        reviews.review_date,
        reviews.decision,
        decision_names.name_zh as decision_name,
        {{ money('reviews.confirmed_amt') }} as confirmed_amt,
        reviews.reviewer,
        reviews.reason,
        reviews._file as source_file,
        reviews._line as source_line,
        reviews._period as source_period
    from reviews
    left join decision_names
        on reviews.decision = decision_names.code
)

select * from final
