{#- One row per dbt run that built the hit history: its id, start and hit count (docs: fct_hit_runs).
    Appended on every build and never rebuilt: `dbt build --full-refresh` keeps it (full_refresh=false). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

final as (
    select
        {{ hit_run_id() }} as run_id,
        {{ hit_run_started_at() }} as run_started_at,
        cast(count(*) as bigint) as hit_count,
        {{ hit_rules_not_evaluated() }} as rules_not_evaluated
    from hits
)

select * from final
