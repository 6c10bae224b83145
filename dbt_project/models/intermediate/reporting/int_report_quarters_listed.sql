{#- One row per calendar quarter the 通报 covers: a quarter with billed fee lines, inspections or
    tip-offs. A table, not a view: the fee lines are read once for its three readers. -#}
{{ config(materialized='table') }}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

inspections as (
    select * from {{ ref('fct_inspection') }}
),

tipoffs as (
    select * from {{ ref('fct_tipoff') }}
),

dated as (
    select distinct fee_date as day_value from fee_lines
    union all
    select distinct insp_date from inspections
    union all
    select distinct received_date from tipoffs
),

quarter_numbers as (
    select distinct
        cast(extract(year from day_value) as integer) as year_number,
        cast(extract(quarter from day_value) as integer) as quarter_number
    from dated
    where day_value is not null
),

quarter_starts as (
    select
        year_number,
        quarter_number,
        {{ quarter_start_date('year_number', 'quarter_number') }} as quarter_start_date
    from quarter_numbers
),

final as (
    select
        year_number,
        quarter_number,
        year_number * 4 + quarter_number as quarter_ordinal,
        cast(quarter_start_date as date) as quarter_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarter_start_date')) }} as date)
            as quarter_end_date
    from quarter_starts
)

select * from final
