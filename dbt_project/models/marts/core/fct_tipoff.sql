with

tipoffs as (
    select * from {{ ref('stg_casework__tipoffs') }}
),

final as (
    select
        tip_id,
        received_date,
        fixmedins_code,
        verified,
        coalesce(verified = '1', false) as is_verified,
        {{ money('reward_amt') }} as reward_amt,
        reward_paid_date,
        reward_paid_date is not null as is_reward_paid,
        _file as source_file,
        _line as source_line
    from tipoffs
)

select * from final
