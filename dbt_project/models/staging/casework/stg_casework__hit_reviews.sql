with

deduplicated as (
    {{ latest_delivery(source('casework', 'case_hit_review'), ['hit_id', 'review_date']) }}
),

final as (
    select
        hit_id,
        review_date,
        decision,
        confirmed_amt,
        reviewer,
        reason,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
