{#- Quarter × feed: deliveries received, refused, failed the gate, rows loaded and quarantined
    (docs: rpt_delivery_quality_quarterly). The source is written by the quality gate, outside dbt:
    when it does not exist yet the model is empty. -#}
{%- set dq = source('quality', 'delivery_quality') %}
{%- set dq_relation = adapter.get_relation(database=dq.database, schema=dq.schema, identifier=dq.identifier)
    if execute else none %}

with

{% if dq_relation is not none %}
deliveries as (
    select
        feed,
        period,
        status,
        verdict,
        rows_read,
        rows_loaded,
        rows_quarantined
    from {{ dq }}
),
{% else %}
deliveries as (
    select
        cast(null as {{ dbt.type_string() }}) as feed,
        cast(null as {{ dbt.type_string() }}) as period,
        cast(null as {{ dbt.type_string() }}) as status,
        cast(null as {{ dbt.type_string() }}) as verdict,
        cast(null as bigint) as rows_read,
        cast(null as bigint) as rows_loaded,
        cast(null as bigint) as rows_quarantined
    from {{ ref('rpt_quarters') }}
    where 1 = 0
),
{% endif %}

dated as (
    select
        feed,
        cast({{ dbt.safe_cast('substring(period, 1, 4)', 'integer') }} as integer) as year_number,
        cast(floor(({{ dbt.safe_cast('substring(period, 5, 2)', 'integer') }} - 1) / 3) + 1 as integer)
            as quarter_number,
        status,
        verdict,
        rows_read,
        rows_loaded,
        rows_quarantined
    from deliveries
    where period is not null and length(period) = 6
),

final as (
    select
        {{ year_quarter('year_number', 'quarter_number') }} as year_quarter,
        year_number,
        quarter_number,
        {{ quarter_start_date('year_number', 'quarter_number') }} as quarter_start_date,
        feed,
        cast(count(*) as bigint) as delivery_count,
        cast(sum(case when status = 'refused' then 1 else 0 end) as bigint) as refused_count,
        cast(sum(case when status = 'duplicate' then 1 else 0 end) as bigint) as duplicate_count,
        cast(sum(case when verdict = 'fail' then 1 else 0 end) as bigint) as failed_count,
        cast(sum(case when verdict = 'warn' then 1 else 0 end) as bigint) as warned_count,
        cast(sum(coalesce(rows_read, 0)) as bigint) as rows_read,
        cast(sum(coalesce(rows_loaded, 0)) as bigint) as rows_loaded,
        cast(sum(coalesce(rows_quarantined, 0)) as bigint) as rows_quarantined
    from dated
    group by year_number, quarter_number, feed
)

select * from final
