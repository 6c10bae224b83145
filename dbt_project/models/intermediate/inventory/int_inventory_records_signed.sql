{#- The 进销存 records as stock movements, signed in the stock's direction: purchases and purchase
    returns (inv_purchase) and stock changes (inv_change, 3502). A table, so that fct_inventory_movement,
    a view over tables only, shows the last build when the quality gate holds a delivery back. -#}
{{ config(materialized='table') }}
with

purchases as (
    select * from {{ ref('stg_inventory__purchases') }}
),

stock_changes as (
    select * from {{ ref('stg_inventory__stock_changes') }}
),

records as (
    select
        'inv_purchase' as source_feed,
        {{ dbt.concat(['fixmedins_code', "'|'", 'purc_sn']) }} as source_key,
        case
            when coalesce(retn_flag = '1', false) or cnt < 0 then 'purchase_return'
            else 'purchase'
        end as movement_type,
        fixmedins_code,
        hilist_code,
        purc_time as moved_at,
        fixmedins_bchno,
        cast(null as {{ dbt.type_string() }}) as inv_chg_type,
        cnt,
        case when coalesce(retn_flag = '1', false) then -abs(cnt) else cnt end as stock_qty,
        finl_trns_pric as unit_price,
        cnt * finl_trns_pric as amount
    from purchases
    union all
    select
        'inv_change' as source_feed,
        inv_change_id as source_key,
        'stock_change' as movement_type,
        fixmedins_code,
        hilist_code,
        inv_chg_time as moved_at,
        cast(null as {{ dbt.type_string() }}) as fixmedins_bchno,
        inv_chg_type,
        cnt,
        cnt as stock_qty,
        cast(null as decimal(18, 4)) as unit_price,
        cast(null as decimal(18, 2)) as amount
    from stock_changes
)

select * from records
