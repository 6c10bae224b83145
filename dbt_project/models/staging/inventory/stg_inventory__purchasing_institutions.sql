{#- One row per institution that has delivered inv_purchase rows at all, whatever the period (R17 judges
    only these institutions' lines). Read from the delivered rows: every institution with a row also
    has a latest delivery in stg_inventory__purchases, so the set is the same without ranking every
    purchase. -#}
with

purchases as (
    select fixmedins_code from {{ source('inventory', 'inv_purchase') }}
),

final as (
    select distinct fixmedins_code
    from purchases
    where fixmedins_code is not null
)

select * from final
