{#- One row per institution with inv_purchase rows, whatever the period (R17 judges only these
    institutions' lines, and reads them keyed: one delivering purchases for the first time is judged
    again from its first billed line). From int_inventory_records_signed, a table: a purchase delivery
    the quality gate holds back makes no institution a purchasing one before its purchases count. -#}
with

records as (
    select * from {{ ref('int_inventory_records_signed') }}
),

final as (
    select distinct fixmedins_code
    from records
    where
        source_feed = 'inv_purchase'
        and fixmedins_code is not null
)

select * from final
