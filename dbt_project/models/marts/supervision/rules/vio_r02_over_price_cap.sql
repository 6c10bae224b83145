{#- R02: unit price above the cap of the catalogue row valid on the event
    date by more than price_tolerance. Hospital fee lines, and pharmacy sale lines (the pharmacy's
    own fee lines are not counted again). suspect_amount = (price − cap) × net quantity. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

fee_line_hits as (
    select
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        hilist_name,
        fee_date as occurred_on,
        fee_ocur_time as occurred_at,
        pric as unit_price,
        catalogue_pric_uplmt_amt as price_cap,
        catalogue_valid_from,
        cnt,
        refunded_cnt as cancelled_cnt,
        net_cnt,
        net_amount,
        source_file,
        source_line
    from fee_lines
    where
        not is_refund
        and not is_fully_refunded
        and not is_pharmacy_line
        and catalogue_pric_uplmt_amt is not null
        and pric - catalogue_pric_uplmt_amt > {{ var('price_tolerance') }}
        and {{ hits_window('fee_date') }}
),

sale_hits as (
    select
        fixmedins_code,
        psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        sale_sn,
        hilist_code,
        hilist_name,
        sale_date as occurred_on,
        sel_time as occurred_at,
        finl_trns_pric as unit_price,
        catalogue_pric_uplmt_amt as price_cap,
        catalogue_valid_from,
        cnt,
        returned_cnt as cancelled_cnt,
        net_cnt,
        net_amount,
        source_file,
        source_line
    from pharmacy_sales
    where
        not is_return
        and not is_fully_returned
        and catalogue_pric_uplmt_amt is not null
        and finl_trns_pric - catalogue_pric_uplmt_amt > {{ var('price_tolerance') }}
        and {{ hits_window('sale_date') }}
),

hits as (
    select * from fee_line_hits
    union all
    select * from sale_hits
),

final as (
    select
        cast('R02' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R02', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('(unit_price - price_cap) * net_cnt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['occurred_at', 'occurred_at'],
            ['unit_price', 'unit_price'],
            ['price_cap', 'price_cap'],
            ['catalogue_valid_from', 'catalogue_valid_from'],
            ['price_tolerance', var('price_tolerance')],
            ['excess_per_unit', 'unit_price - price_cap'],
            ['cnt', 'cnt'],
            ['refunded_or_returned_cnt', 'cancelled_cnt'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ])) }} as evidence,
        {{ catalogue_result_level('R02') }} as result_level
    from hits
)

select * from final
