{#- One row per institution × calendar quarter of received_date with at least one tip-off (tip-offs
    naming no institution together under an empty fixmedins_code): received, verified, rewarded
    (verified with the reward paid) and the rewards paid. -#}
with

tipoffs as (
    select * from {{ ref('fct_tipoff') }}
),

final as (
    select
        fixmedins_code,
        cast(extract(year from received_date) as integer) as year_number,
        cast(extract(quarter from received_date) as integer) as quarter_number,
        count(*) as tipoff_count,
        sum(case when is_verified then 1 else 0 end) as tipoff_verified_count,
        sum(case when is_verified and is_reward_paid then 1 else 0 end) as tipoff_rewarded_count,
        sum(case when is_verified and is_reward_paid then coalesce(reward_amt, 0) else 0 end) as reward_amount
    from tipoffs
    group by
        fixmedins_code,
        cast(extract(year from received_date) as integer),
        cast(extract(quarter from received_date) as integer)
)

select * from final
