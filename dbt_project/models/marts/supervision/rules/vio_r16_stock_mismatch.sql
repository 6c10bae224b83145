{#- R16: per institution × drug/consumable (catalogue list_type 101, 102, 301)
    × calendar month, net quantity sold (hospitals: fee lines by fee_ocur_time; pharmacies: phar_sale
    net of returns) > opening stock (Σ inv_cnt of the latest stocktake dated before the 1st, else 0)
    + Σ signed purchases + Σ signed stock changes in the month, by more than inv_tolerance units.
    Read from fct_inventory_movement (every movement signed in the stock's direction). One pass of
    window functions per institution × item; no self-join. -#}
with

movements as (
    select * from {{ ref('fct_inventory_movement') }}
),

stocktakes as (
    select * from {{ ref('fct_stocktake') }}
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

stock_items as (
    select distinct hilist_code
    from catalogue
    where list_type in ('101', '102', '301')
),

-- institutions that deliver 进销存 at all (purchases, stock changes or stocktakes): without any, the
-- stock is unknown rather than zero, and the gap is a delivery problem for the quality gate
inventory_institutions as (
    select fixmedins_code from movements
    where source_feed in ('inv_purchase', 'inv_change')
    union
    select fixmedins_code from stocktakes
),

-- sales and refunds/returns, each in the month of its own time (the stock leaves / comes back then);
-- hospital fee lines are already limited to drugs and consumables of non-pharmacy institutions
sale_movements as (
    select
        movements.*,
        cast({{ dbt.date_trunc('month', 'movements.moved_on') }} as date) as month_start,
        -movements.stock_qty as sold_qty
    from movements
    inner join stock_items
        on movements.hilist_code = stock_items.hilist_code
    inner join inventory_institutions
        on movements.fixmedins_code = inventory_institutions.fixmedins_code
    where movements.movement_type in ('hospital_sale', 'hospital_refund', 'pharmacy_sale', 'pharmacy_return')
),

monthly_sales as (
    select
        fixmedins_code,
        hilist_code,
        month_start,
        max(case when source_feed = 'phar_sale' then 1 else 0 end) = 1 as is_pharmacy_sale,
        sum(case when sold_qty > 0 then sold_qty else 0 end) as gross_sold_qty,
        sum(case when sold_qty < 0 then -sold_qty else 0 end) as returned_qty,
        sum(sold_qty) as net_sold_qty,
        sum(case when sold_qty > 0 then amount else 0 end) as gross_sold_amount,
        count(*) as sale_movement_count
    from sale_movements
    group by fixmedins_code, hilist_code, month_start
),

monthly_receipts as (
    select
        fixmedins_code,
        hilist_code,
        cast({{ dbt.date_trunc('month', 'moved_on') }} as date) as month_start,
        sum(case when source_feed = 'inv_purchase' then stock_qty else 0 end) as purchased_qty,
        sum(case when source_feed = 'inv_purchase' then 1 else 0 end) as purchase_row_count,
        sum(case when source_feed = 'inv_change' then stock_qty else 0 end) as changed_qty,
        sum(case when source_feed = 'inv_change' then 1 else 0 end) as change_row_count
    from movements
    where source_feed in ('inv_purchase', 'inv_change')
    group by
        fixmedins_code,
        hilist_code,
        cast({{ dbt.date_trunc('month', 'moved_on') }} as date)
),

-- a stocktake may list several batches: the stock on a date is their sum
stocktake_totals as (
    select
        fixmedins_code,
        hilist_code,
        invdate,
        sum(inv_cnt) as inv_cnt,
        count(*) as batch_row_count
    from stocktakes
    group by fixmedins_code, hilist_code, invdate
),

-- the latest stocktake strictly before each month start: month rows and stocktake rows in date
-- order (a stocktake on the 1st sorts after the month row), running max of the stocktake date
dated_events as (
    select
        fixmedins_code,
        hilist_code,
        month_start as event_date,
        0 as event_order,
        cast(null as date) as invdate
    from monthly_sales
    union all
    select
        fixmedins_code,
        hilist_code,
        invdate as event_date,
        1 as event_order,
        invdate
    from stocktake_totals
),

opening_dates as (
    select
        fixmedins_code,
        hilist_code,
        event_date as month_start,
        event_order,
        max(invdate) over (
            partition by fixmedins_code, hilist_code
            order by event_date, event_order
            rows between unbounded preceding and current row
        ) as opening_invdate
    from dated_events
),

balances as (
    select
        monthly_sales.*,
        opening_dates.opening_invdate,
        coalesce(stocktake_totals.inv_cnt, 0) as opening_qty,
        coalesce(monthly_receipts.purchased_qty, 0) as purchased_qty,
        coalesce(monthly_receipts.purchase_row_count, 0) as purchase_row_count,
        coalesce(monthly_receipts.changed_qty, 0) as changed_qty,
        coalesce(monthly_receipts.change_row_count, 0) as change_row_count,
        coalesce(stocktake_totals.inv_cnt, 0)
        + coalesce(monthly_receipts.purchased_qty, 0)
        + coalesce(monthly_receipts.changed_qty, 0) as available_qty
    from monthly_sales
    inner join opening_dates
        on
            monthly_sales.fixmedins_code = opening_dates.fixmedins_code
            and monthly_sales.hilist_code = opening_dates.hilist_code
            and monthly_sales.month_start = opening_dates.month_start
            and opening_dates.event_order = 0
    left join stocktake_totals
        on
            opening_dates.fixmedins_code = stocktake_totals.fixmedins_code
            and opening_dates.hilist_code = stocktake_totals.hilist_code
            and opening_dates.opening_invdate = stocktake_totals.invdate
    left join monthly_receipts
        on
            monthly_sales.fixmedins_code = monthly_receipts.fixmedins_code
            and monthly_sales.hilist_code = monthly_receipts.hilist_code
            and monthly_sales.month_start = monthly_receipts.month_start
),

mismatches as (
    select
        *,
        net_sold_qty - available_qty as excess_qty,
        case when gross_sold_qty > 0 then gross_sold_amount / gross_sold_qty end as avg_sale_price
    from balances
    where net_sold_qty - available_qty > {{ var('inv_tolerance') }}
),

-- occurred_on: the sale at which the month's running net sales first exceeded the month's stock
first_excess as (
    {{ first_crossing(
        events='sale_movements',
        groups='mismatches',
        partition_by=['fixmedins_code', 'hilist_code', 'month_start'],
        order_by=['moved_at', 'source_key'],
        running='sold_qty',
        crossed='running_total - available_qty > ' ~ var('inv_tolerance'),
        carry=['available_qty'],
        keep={'exceeded_at': 'moved_at', 'exceeded_on': 'moved_on', 'exceeded_by': 'source_key'},
    ) }}
),

catalogue_names as (
    select
        hilist_code,
        max(hilist_name) as hilist_name
    from catalogue
    group by hilist_code
),

hits as (
    select
        mismatches.*,
        first_excess.exceeded_at,
        first_excess.exceeded_on,
        first_excess.exceeded_by,
        catalogue_names.hilist_name
    from mismatches
    left join first_excess
        on
            mismatches.fixmedins_code = first_excess.fixmedins_code
            and mismatches.hilist_code = first_excess.hilist_code
            and mismatches.month_start = first_excess.month_start
    left join catalogue_names
        on mismatches.hilist_code = catalogue_names.hilist_code
),

final as (
    select
        cast('R16' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R16', ['fixmedins_code', 'hilist_code', 'month_start']) }} as hit_id,
        fixmedins_code,
        cast(null as {{ dbt.type_string() }}) as psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        cast(null as {{ dbt.type_string() }}) as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        coalesce(exceeded_on, month_start) as occurred_on,
        {{ money('excess_qty * coalesce(avg_sale_price, 0)') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['month', 'month_start'],
            ['sales_source', "case when is_pharmacy_sale then 'phar_sale' else 'fee_list' end"],
            ['opening_stocktake_date', 'opening_invdate'],
            ['opening_qty', 'opening_qty'],
            ['purchased_qty', 'purchased_qty'],
            ['purchase_rows', 'purchase_row_count'],
            ['stock_change_qty', 'changed_qty'],
            ['stock_change_rows', 'change_row_count'],
            ['available_qty', 'available_qty'],
            ['gross_sold_qty', 'gross_sold_qty'],
            ['refunded_or_returned_qty', 'returned_qty'],
            ['net_sold_qty', 'net_sold_qty'],
            ['sale_lines', 'sale_movement_count'],
            ['inv_tolerance', var('inv_tolerance')],
            ['excess_qty', 'excess_qty'],
            ['avg_sale_price', 'cast(avg_sale_price as decimal(18, 4))'],
            ['stock_exceeded_at', 'exceeded_at'],
            ['stock_exceeded_by', 'exceeded_by'],
        ])) }} as evidence,
        {{ catalogue_result_level('R16') }} as result_level
    from hits
)

select * from final
