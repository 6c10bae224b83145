{#- One row per institution that has delivered his_charge rows at all, whatever the period (R22
    compares only these institutions' uploads with their HIS charges). Read from the delivered rows:
    every institution with a row also has a latest delivery in stg_his__charges, so the set is the
    same without ranking every charge. -#}
with

charges as (
    select fixmedins_code from {{ source('his', 'his_charge') }}
),

final as (
    select distinct fixmedins_code
    from charges
    where fixmedins_code is not null
)

select * from final
