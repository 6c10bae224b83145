{#-
    Hit history helpers (models/marts/supervision/history; docs: hit_history).

    hit_run_id()
        The dbt run's id (invocation_id) as a string literal: one id per `dbt build` / `dbt run`.
    hit_run_started_at()
        The run's start (run_started_at, which dbt gives in UTC) as a timestamp literal in
        Asia/Shanghai local time without zone, like every other timestamp of the warehouse (the
        DuckDB and Spark sessions both run in Asia/Shanghai). A literal, so both engines read the
        same value and the two history tables of one run agree to the microsecond.
    hit_blocked_rules()
        The rule codes a failing quality gate kept out of this run (var blocked_rules, set by the
        Dagster build — orchestration/lineage.py), sorted: their hits are carried, never resolved,
        while their rule is not evaluated.
    hit_rules_not_evaluated()
        The same as a string literal, 'R01, R05', or NULL.

    At parse time (and for the linter) there is no run yet: placeholders of the same types.
-#}
{% macro hit_run_id() -%}
    {%- if execute -%}
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
    {%- else -%}
        cast('parse' as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{% macro hit_run_started_at() -%}
    {%- if execute -%}
        {%- set local = run_started_at.astimezone(modules.pytz.timezone('Asia/Shanghai')) -%}
        cast('{{ local.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
    {%- else -%}
        cast(null as timestamp)
    {%- endif -%}
{%- endmacro %}


{% macro hit_blocked_rules() -%}
    {{ return(var('blocked_rules', {}) | list | sort) }}
{%- endmacro %}


{% macro hit_rules_not_evaluated() -%}
    {%- set blocked = hit_blocked_rules() -%}
    {%- if blocked -%}
        cast('{{ blocked | join(", ") }}' as {{ dbt.type_string() }})
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
