{#- The quarters the reports cover: every calendar quarter with billed fee lines, rule hits,
    inspections or tip-offs (docs: rpt_quarters). -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

inspections as (
    select * from {{ ref('stg_casework__inspections') }}
),

tipoffs as (
    select * from {{ ref('stg_casework__tipoffs') }}
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

final as (
    select
        {{ dbt.concat([
            'cast(year_number as ' ~ dbt.type_string() ~ ')', "'Q'",
            'cast(quarter_number as ' ~ dbt.type_string() ~ ')',
        ]) }} as year_quarter,
        year_number,
        quarter_number,
        year_number * 4 + quarter_number as quarter_ordinal
    from quarter_numbers
)

select * from final
