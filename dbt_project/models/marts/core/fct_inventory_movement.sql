{#- Every movement of stock, signed in the stock's direction (+ into stock, − out of stock):
    purchases and purchase returns, stock changes (3502), hospital sales (drug and consumable fee
    lines of non-pharmacy institutions, refunds coming back) and pharmacy sales and returns.
    A view: every movement is a projection of a row of a table (fct_fee_line, fct_pharmacy_sale,
    int_inventory_records_signed), so a table would only copy them again, every month, whole (7.3 s
    a month at three years of 3M fee lines). Over tables only: a delivery the quality gate holds back
    leaves those tables as last built, and this view with them. Its readers filter it (R17 reads the
    purchases only), and the rule-hit fingerprints see through it to the fee lines and pharmacy sales
    they fingerprint by month. -#}
{{ config(materialized='view') }}
with

-- purchases, purchase returns and stock changes, signed (a table: see the header)
records as (
    select * from {{ ref('int_inventory_records_signed') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

movements as (
    select
        source_feed,
        source_key,
        movement_type,
        fixmedins_code,
        hilist_code,
        moved_at,
        fixmedins_bchno,
        inv_chg_type,
        cnt,
        stock_qty,
        unit_price,
        amount,
        cast(null as {{ dbt.type_string() }}) as psn_no,
        cast(null as {{ dbt.type_string() }}) as psn_key
    from records
    union all
    select
        'fee_list' as source_feed,
        feedetl_sn as source_key,
        case when is_refund then 'hospital_refund' else 'hospital_sale' end as movement_type,
        fixmedins_code,
        hilist_code,
        fee_ocur_time as moved_at,
        cast(null as {{ dbt.type_string() }}) as fixmedins_bchno,
        cast(null as {{ dbt.type_string() }}) as inv_chg_type,
        cnt,
        -cnt as stock_qty,
        pric as unit_price,
        det_item_fee_sumamt as amount,
        psn_no,
        psn_key
    from fee_lines
    where
        not is_pharmacy_line
        and list_type in ('101', '102', '301')
    union all
    select
        'phar_sale' as source_feed,
        {{ dbt.concat(['fixmedins_code', "'|'", 'sale_sn']) }} as source_key,
        case when is_return then 'pharmacy_return' else 'pharmacy_sale' end as movement_type,
        fixmedins_code,
        hilist_code,
        sel_time as moved_at,
        fixmedins_bchno,
        cast(null as {{ dbt.type_string() }}) as inv_chg_type,
        cnt,
        case when is_return then abs(cnt) else -cnt end as stock_qty,
        finl_trns_pric as unit_price,
        sale_amount as amount,
        psn_no,
        psn_key
    from pharmacy_sales
),

final as (
    select
        {{ surrogate_key(['source_feed', 'source_key']) }} as movement_id,
        movement_type,
        source_feed,
        source_key,
        fixmedins_code,
        hilist_code,
        moved_at,
        cast(moved_at as date) as moved_on,
        fixmedins_bchno,
        inv_chg_type,
        {{ qty('cnt') }} as cnt,
        {{ qty('stock_qty') }} as stock_qty,
        {{ qty('unit_price') }} as unit_price,
        {{ money('amount') }} as amount,
        psn_no,
        psn_key
    from movements
)

select * from final
