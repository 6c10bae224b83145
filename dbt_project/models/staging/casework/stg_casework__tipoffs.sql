with

deduplicated as (
    {{ latest_delivery(source('casework', 'case_tipoff'), ['tip_id']) }}
),

final as (
    select
        tip_id,
        received_date,
        fixmedins_code,
        verified,
        reward_amt,
        reward_paid_date,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
