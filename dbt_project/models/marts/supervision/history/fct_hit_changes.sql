{#- One row per hit × run in which the hit appeared, changed its description or was resolved
    (docs: fct_hit_changes). Appended on every build and never rebuilt (full_refresh=false): only what
    changed since the log's last state, so it grows with the changes, not with runs × hits. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

{%- set blocked = hit_blocked_rules() %}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

runs as (
    select * from {{ ref('fct_hit_runs') }}
),

-- this run's row, appended just before: a run that is not in fct_hit_runs records no change
this_run as (
    select
        run_id,
        run_started_at
    from runs
    where run_id = {{ hit_run_id() }}
),

-- each hit's latest row in the log so far (none on the first build)
logged as (
    {%- if is_incremental() %}
    select
        hit_id,
        change_type,
        rule_code,
        fixmedins_code,
        occurred_on,
        suspect_amount,
        result_level,
        row_number() over (
            partition by hit_id
            order by run_started_at desc, run_id desc
        ) as change_rank
    from {{ this }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as hit_id,
        cast(null as {{ dbt.type_string() }}) as change_type,
        cast(null as {{ dbt.type_string() }}) as rule_code,
        cast(null as {{ dbt.type_string() }}) as fixmedins_code,
        cast(null as date) as occurred_on,
        cast(null as decimal(18, 2)) as suspect_amount,
        cast(null as {{ dbt.type_string() }}) as result_level,
        1 as change_rank
    from this_run
    where 1 = 0
    {%- endif %}
),

-- the hits present at the end of the last run, as the log describes them
present_before as (
    select * from logged
    where
        change_rank = 1
        and change_type <> 'resolved'
),

appeared as (
    select
        hits.hit_id,
        'appeared' as change_type,
        hits.rule_code,
        hits.fixmedins_code,
        hits.occurred_on,
        hits.suspect_amount,
        hits.result_level
    from hits
    left join present_before
        on hits.hit_id = present_before.hit_id
    where present_before.hit_id is null
),

-- still there, with another institution, date, amount or result level (e.g. a corrected settlement)
changed as (
    select
        hits.hit_id,
        'changed' as change_type,
        hits.rule_code,
        hits.fixmedins_code,
        hits.occurred_on,
        hits.suspect_amount,
        hits.result_level
    from hits
    inner join present_before
        on hits.hit_id = present_before.hit_id
    where
        hits.fixmedins_code is distinct from present_before.fixmedins_code
        or hits.occurred_on is distinct from present_before.occurred_on
        or hits.suspect_amount is distinct from present_before.suspect_amount
        or hits.result_level is distinct from present_before.result_level
),

-- gone from fct_rule_hits; a rule the quality gate kept out of this run resolves nothing (its hits
-- are carried as they were: on DuckDB fct_rule_hits still lists them, other engines leave them out)
resolved as (
    select
        present_before.hit_id,
        'resolved' as change_type,
        present_before.rule_code,
        present_before.fixmedins_code,
        present_before.occurred_on,
        present_before.suspect_amount,
        present_before.result_level
    from present_before
    left join hits
        on present_before.hit_id = hits.hit_id
    where
        hits.hit_id is null
        {%- if blocked %}
        and present_before.rule_code not in ('{{ blocked | join("', '") }}')
        {%- endif %}
),

changes as (
    select * from appeared
    union all
    select * from changed
    union all
    select * from resolved
),

final as (
    select
        this_run.run_id,
        this_run.run_started_at,
        changes.hit_id,
        cast(changes.change_type as {{ dbt.type_string() }}) as change_type,
        changes.rule_code,
        changes.fixmedins_code,
        changes.occurred_on,
        {{ money('changes.suspect_amount') }} as suspect_amount,
        changes.result_level
    from changes
    cross join this_run
)

select * from final
