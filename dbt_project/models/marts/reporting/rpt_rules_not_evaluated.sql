{#- Quarter × rule × failing feed: the rules left out of the last build because a feed they read
    has a delivery that failed a critical expectation (docs: rpt_rules_not_evaluated). The source is
    written by the Dagster build before dbt runs (orchestration/lineage.py): when it does not exist
    yet, the model is empty. -#}
{%- set blocked = source('quality', 'rules_not_evaluated') %}
{%- set blocked_relation = adapter.get_relation(
    database=blocked.database, schema=blocked.schema, identifier=blocked.identifier
) if execute else none %}

with

{% if blocked_relation is not none %}
blocked_deliveries as (
    select
        rule_code,
        feed,
        period,
        file,
        failed_checks
    from {{ blocked }}
),
{% else %}
blocked_deliveries as (
    select
        rule_code,
        cast(null as {{ dbt.type_string() }}) as feed,
        cast(null as {{ dbt.type_string() }}) as period,
        cast(null as {{ dbt.type_string() }}) as file,
        cast(null as {{ dbt.type_string() }}) as failed_checks
    from {{ ref('rule_catalogue') }}
    where 1 = 0
),
{% endif %}

rules as (
    select * from {{ ref('rule_catalogue') }}
),

dated as (
    select
        rule_code,
        feed,
        period,
        file,
        failed_checks,
        cast({{ dbt.safe_cast('substring(period, 1, 4)', 'integer') }} as integer) as year_number,
        cast(floor(({{ dbt.safe_cast('substring(period, 5, 2)', 'integer') }} - 1) / 3) + 1 as integer)
            as quarter_number
    from blocked_deliveries
    where period is not null and length(period) = 6
),

checks_per_group as (
    select distinct
        year_number,
        quarter_number,
        rule_code,
        feed,
        failed_checks
    from dated
),

checks_listed as (
    select
        year_number,
        quarter_number,
        rule_code,
        feed,
        -- sqlfluff renders the cross-database listagg macro as text: it cannot parse the result
        {{ dbt.listagg('failed_checks', "'; '", 'order by failed_checks') }} as failed_checks  -- noqa: PRS
    from checks_per_group
    group by 1, 2, 3, 4
),

deliveries_counted as (
    select
        year_number,
        quarter_number,
        rule_code,
        feed,
        cast(count(distinct file) as bigint) as failed_delivery_count,
        min(period) as first_period,
        max(period) as last_period
    from dated
    group by 1, 2, 3, 4
),

final as (
    select
        {{ year_quarter('counted.year_number', 'counted.quarter_number') }} as year_quarter,
        counted.year_number,
        counted.quarter_number,
        {{ quarter_start_date('counted.year_number', 'counted.quarter_number') }} as quarter_start_date,
        counted.rule_code,
        rules.rule_name_zh,
        counted.feed,
        counted.failed_delivery_count,
        counted.first_period,
        counted.last_period,
        listed.failed_checks
    from deliveries_counted as counted
    left join checks_listed as listed
        on
            counted.year_number = listed.year_number
            and counted.quarter_number = listed.quarter_number
            and counted.rule_code = listed.rule_code
            and counted.feed = listed.feed
    left join rules on counted.rule_code = rules.rule_code
)

select * from final
