{#- One row per delivered fee_list period (YYYYMM of the landing layout): the months for which the
    settlement platform's fee lines were delivered. Rules that need "delivered months of history"
    (R21) compare with these, not with the dates on the lines (a period may carry earlier dates).
    A table, not a view: a dozen rows, but a view would stage every fee line again for each reader
    (its three tests, R21, the fingerprints of fct_rule_hits) — 1.5 s each at 10M fee lines. -#}
{{ config(materialized='table') }}
with

fee_lines as (
    select * from {{ ref('stg_platform__fee_lines') }}
),

final as (
    select
        _period as fee_period,
        {{ period_start('_period') }} as month_start,
        count(*) as fee_line_count
    from fee_lines
    group by _period
)

select * from final
