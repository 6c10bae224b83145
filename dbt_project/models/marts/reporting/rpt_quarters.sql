{#- The quarters the reports cover: every calendar quarter with billed fee lines, inspections or
    tip-offs, with its first and last day (docs: rpt_quarters). -#}
with

quarters as (
    select * from {{ ref('int_report_quarters_listed') }}
),

final as (
    select
        {{ year_quarter('year_number', 'quarter_number') }} as year_quarter,
        year_number,
        quarter_number,
        quarter_ordinal,
        quarter_start_date,
        quarter_end_date
    from quarters
)

select * from final
