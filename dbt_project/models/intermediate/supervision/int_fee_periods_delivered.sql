{#- One row per delivered fee_list period (YYYYMM of the landing layout): the months for which the
    settlement platform's fee lines were delivered. Rules that need "delivered months of history"
    (R21) compare with these, not with the dates on the lines (a period may carry earlier dates).
    Read from the raw feed, one column: a period is delivered when rows arrived for it, whether or
    not a later delivery replaced them; staging would rank every fee line ever delivered for a
    dozen rows (2.0 s a month at three years of 3M lines). A table, not a view: its three tests, R21
    and the fingerprints of fct_rule_hits read it. -#}
{{ config(materialized='table') }}
with

fee_lines as (
    select * from {{ source('platform', 'fee_list') }}
),

final as (
    select
        _period as fee_period,
        {{ period_start('_period') }} as month_start,
        count(*) as delivered_row_count
    from fee_lines
    group by _period
)

select * from final
