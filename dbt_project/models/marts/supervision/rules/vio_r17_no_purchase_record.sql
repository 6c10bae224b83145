{#- R17: an institution that has any inv_purchase rows bills
    a drug or consumable (catalogue list_type 101, 102, 301) for which it has no inv_purchase row in
    the no_purchase_months months before the line's time. Hospital fee lines and pharmacy sale lines
    from int_billed_lines_unioned; one hit per line. The latest purchase at or before each line comes
    from a running max over purchases and lines in time order (no self-join), computed only for the
    lines whose institution did not buy the item in any of the no_purchase_months − 1 whole calendar
    months before the line's month (those lines are supplied whatever their day). A hit depends on the
    purchases up to its line's time only (the evidence counts them as of then), so a changed line or
    purchase changes no hit before it: the incremental fill reads the lines from the first changed
    date and every purchase (few), and an institution delivering purchases for the first time from its
    first line (meta.recompute). -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

records as (
    select * from {{ ref('int_inventory_records_signed') }}
),

purchasing_institutions as (
    select * from {{ ref('int_inventory_purchasing_institutions') }}
),

purchases as (
    select
        fixmedins_code,
        hilist_code,
        moved_at as purc_time,
        source_key
    from records
    where source_feed = 'inv_purchase'
),

stock_lines as (
    select billed_lines.*
    from billed_lines
    inner join purchasing_institutions
        on billed_lines.fixmedins_code = purchasing_institutions.fixmedins_code
    where billed_lines.list_type in ('101', '102', '301')
),

-- Month numbers (year × 12 + month). A purchase in one of the no_purchase_months − 1 whole months
-- before a line's month lies inside [line time − no_purchase_months months, line time] whatever the
-- line's day, so such lines are supplied for certain; only the other lines (few) are checked to the
-- second below. The months are found with a running max over months, not over every line.
purchase_months as (
    select distinct
        fixmedins_code,
        hilist_code,
        {{ month_number('purc_time') }} as month_no
    from purchases
),

line_months as (
    select distinct
        fixmedins_code,
        hilist_code,
        {{ month_number('occurred_at') }} as month_no
    from stock_lines
),

-- for each month with lines: the latest month before it with a purchase (a purchase month sorts
-- after a line month of the same number, so it never counts as "before")
month_events as (
    select
        fixmedins_code,
        hilist_code,
        month_no,
        1 as is_line_month,
        0 as month_order
    from line_months
    union all
    select
        fixmedins_code,
        hilist_code,
        month_no,
        0 as is_line_month,
        1 as month_order
    from purchase_months
),

earlier_purchase_months as (
    select
        fixmedins_code,
        hilist_code,
        month_no,
        is_line_month,
        max(case when is_line_month = 0 then month_no end) over (
            partition by fixmedins_code, hilist_code
            order by month_no, month_order
            rows between unbounded preceding and current row
        ) as last_purchase_month_no
    from month_events
),

supplied_months as (
    select
        fixmedins_code,
        hilist_code,
        month_no
    from earlier_purchase_months
    where
        is_line_month = 1
        and last_purchase_month_no >= month_no - ({{ var('no_purchase_months') }} - 1)
),

uncertain_lines as (
    select stock_lines.*
    from stock_lines
    left join supplied_months
        on
            stock_lines.fixmedins_code = supplied_months.fixmedins_code
            and stock_lines.hilist_code = supplied_months.hilist_code
            and {{ month_number('stock_lines.occurred_at') }} = supplied_months.month_no
    where supplied_months.month_no is null
),

-- purchases sort before a line at the same second: a purchase earlier the same day counts
events as (
    select
        fixmedins_code,
        hilist_code,
        purc_time as event_time,
        0 as event_order,
        cast(null as {{ dbt.type_string() }}) as billed_line_key,
        purc_time
    from purchases
    union all
    select
        fixmedins_code,
        hilist_code,
        occurred_at as event_time,
        1 as event_order,
        billed_line_key,
        cast(null as {{ dbt.type_timestamp() }}) as purc_time
    from uncertain_lines
),

-- the latest purchase of the item at or before each line, and the purchase rows up to then (of the
-- item, and of the institution)
last_purchases as (
    select
        billed_line_key,
        event_time,
        max(purc_time) over item_so_far as last_purchase_at,
        count(purc_time) over item_so_far as item_purchase_rows,
        count(purc_time) over (
            partition by fixmedins_code
            order by event_time, event_order
            rows between unbounded preceding and current row
        ) as institution_purchase_rows
    from events
    window item_so_far as (
        partition by fixmedins_code, hilist_code
        order by event_time, event_order
        rows between unbounded preceding and current row
    )
),

line_windows as (
    select
        billed_line_key,
        last_purchase_at,
        item_purchase_rows,
        institution_purchase_rows,
        {{ dbt.dateadd('month', '-' ~ var('no_purchase_months'), 'event_time') }} as window_start
    from last_purchases
    where billed_line_key is not null
),

-- the lines without a purchase in the window (few): only they are joined back to their columns
unsupplied as (
    select * from line_windows
    where
        last_purchase_at is null
        or last_purchase_at < window_start
),

hits as (
    select
        uncertain_lines.*,
        unsupplied.last_purchase_at,
        unsupplied.window_start,
        unsupplied.item_purchase_rows,
        unsupplied.institution_purchase_rows
    from uncertain_lines
    inner join unsupplied
        on uncertain_lines.billed_line_key = unsupplied.billed_line_key
),

final as (
    select
        cast('R17' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R17', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            item=[['list_type', 'list_type']],
            findings=[
                ['no_purchase_months', var('no_purchase_months')],
                ['purchase_window_start', 'window_start'],
                ['last_purchase_before', 'last_purchase_at'],
                ['item_purchase_rows_before', 'item_purchase_rows'],
                ['institution_purchase_rows_before', 'institution_purchase_rows'],
            ],
            batch=true,
        ) }} as evidence,
        {{ catalogue_result_level('R17') }} as result_level
    from hits
)

select * from final
