{#- One row per institution × calendar quarter of occurred_on with at least one rule hit: hits and
    suspect amount. -#}
with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

final as (
    select
        fixmedins_code,
        cast(extract(year from occurred_on) as integer) as year_number,
        cast(extract(quarter from occurred_on) as integer) as quarter_number,
        count(*) as hit_count,
        sum(suspect_amount) as suspect_amount
    from hits
    group by
        fixmedins_code,
        cast(extract(year from occurred_on) as integer),
        cast(extract(quarter from occurred_on) as integer)
)

select * from final
