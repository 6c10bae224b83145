{#- Whole calendar years around every dated event in the warehouse (an empty warehouse gets the
    current year), so BI tools can group by day, month, quarter and the 通报 quarter label.
    Working days follow the State Council holiday notices (seed cn_public_holidays): weekends and
    放假 days are off, 调休 make-up Saturdays/Sundays are working days (macro is_working_day). -#}
with

-- the built facts (tables), not the staging views: min/max over a view re-stages every delivered
-- row (11M fee lines at 10M: ≈ 2 s per run)
visits as (
    select * from {{ ref('fct_visit') }}
),

settlements as (
    select * from {{ ref('fct_settlement') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

-- purchases and stock changes (a view: its sales are the fee lines and pharmacy sales above)
inventory_movements as (
    select * from {{ ref('fct_inventory_movement') }}
),

stocktakes as (
    select * from {{ ref('fct_stocktake') }}
),

inspections as (
    select * from {{ ref('stg_casework__inspections') }}
),

holidays as (
    select * from {{ ref('cn_public_holidays') }}
),

event_dates as (
    select
        min(begin_date) as min_date,
        max(coalesce(end_date, begin_date)) as max_date
    from visits
    union all
    select
        min(setl_date) as min_date,
        max(setl_date) as max_date
    from settlements
    union all
    select
        min(fee_date) as min_date,
        max(fee_date) as max_date
    from fee_lines
    union all
    select
        min(sale_date) as min_date,
        max(sale_date) as max_date
    from pharmacy_sales
    union all
    select
        min(moved_on) as min_date,
        max(moved_on) as max_date
    from inventory_movements
    where source_feed in ('inv_purchase', 'inv_change')
    union all
    select
        min(invdate) as min_date,
        max(invdate) as max_date
    from stocktakes
    union all
    select
        min(insp_date) as min_date,
        max(insp_date) as max_date
    from inspections
),

bounds as (
    select
        cast({{ dbt.date_trunc('year', 'coalesce(min(min_date), current_date)') }} as date) as start_date,
        {{ dbt.last_day('coalesce(max(max_date), current_date)', 'year') }} as end_date
    from event_dates
),

days as (
    {{ day_series('start_date', 'end_date', 'bounds') }}
),

parts as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast({{ iso_weekday('date_day') }} as integer) as iso_weekday
    from days
),

calendar as (
    select
        parts.*,
        coalesce(holidays.day_type = 'holiday', false) as is_holiday,
        {{ is_working_day('parts.date_day', 'holidays.day_type') }} as is_working_day,
        holidays.name_zh as holiday_name_zh
    from parts
    left join holidays
        on parts.date_day = holidays.calendar_date
),

final as (
    select
        date_day,
        year_number,
        quarter_number,
        month_number,
        day_of_month,
        iso_weekday,
        iso_weekday >= 6 as is_weekend,
        is_holiday,
        is_working_day,
        holiday_name_zh,
        {{ year_quarter('year_number', 'quarter_number') }} as year_quarter,
        {{ dbt.concat([
            'cast(year_number as ' ~ dbt.type_string() ~ ')',
            "'-'",
            'lpad(cast(month_number as ' ~ dbt.type_string() ~ '), 2, ' ~ "'0'" ~ ')',
        ]) }} as year_month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date
    from calendar
)

select * from final
