{#- Quarter × rule: hits, suspect amount and institutions with hits, with the previous quarter
    (docs: rpt_rule_quarterly). Rule categories are the catalogue's `category`. -#}
with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

rules as (
    select * from {{ ref('rule_catalogue') }}
),

quarters as (
    select * from {{ ref('rpt_quarters') }}
),

rule_quarters as (
    select
        cast(extract(year from occurred_on) as integer) * 4
        + cast(extract(quarter from occurred_on) as integer) as quarter_ordinal,
        rule_code,
        count(*) as hit_count,
        count(distinct fixmedins_code) as institution_count,
        sum(suspect_amount) as suspect_amount
    from hits
    group by
        cast(extract(year from occurred_on) as integer) * 4
        + cast(extract(quarter from occurred_on) as integer),
        rule_code
),

final as (
    select
        quarters.year_quarter,
        quarters.year_number,
        quarters.quarter_number,
        {{ quarter_start_date('quarters.year_number', 'quarters.quarter_number') }} as quarter_start_date,
        quarters.quarter_ordinal,
        rules.rule_code,
        rules.rule_name_zh,
        rules.category,
        cast(coalesce(cur.hit_count, 0) as bigint) as hit_count,
        cast(coalesce(cur.institution_count, 0) as bigint) as institution_count,
        {{ money('coalesce(cur.suspect_amount, 0)') }} as suspect_amount,
        cast(coalesce(prev.hit_count, 0) as bigint) as prev_hit_count,
        {{ money('coalesce(prev.suspect_amount, 0)') }} as prev_suspect_amount
    from quarters
    cross join rules
    left join rule_quarters as cur
        on
            quarters.quarter_ordinal = cur.quarter_ordinal
            and rules.rule_code = cur.rule_code
    left join rule_quarters as prev
        on
            quarters.quarter_ordinal - 1 = prev.quarter_ordinal
            and rules.rule_code = prev.rule_code
)

select * from final
