{#- The union of every rule view (models named vio_r*). The list comes from rule_views() so dbt
    knows the dependencies at parse time; at run time it is checked against the graph.

    meta.gate_boundary: built on every run, even when a feed failed the quality gate — the rules
    that read it are left out and keep their last hits (orchestration/lineage.py), and what reads
    this table is built unless it reads the failing feed by another path.

    On DuckDB the table is incremental and filled by one post-hook, fill_rule_hits()
    (macros/rule_hits.sql): each rule's hits are re-evaluated only from the first date its inputs
    changed since the last build (nothing changed: not at all), by deleting and re-inserting from
    the rule's view, one statement per view — DuckDB evaluates 22 inserts in about half the time of
    their UNION ALL (10M fee lines: 44 s against 79 s under a 3 GB memory limit — README
    "Performance"). dbt-duckdb runs the hook inside the model's transaction, so readers never see
    the table partly filled. `dbt build --full-refresh` evaluates every rule again.
    Other engines (Spark: no transaction around post-hooks) build the UNION ALL as a table. -#}
{%- set registered = rule_views() | sort -%}
{%- set hit_columns = [
    'rule_code', 'hit_id', 'fixmedins_code', 'psn_no', 'mdtrt_id', 'setl_id', 'feedetl_sn', 'sale_sn',
    'hilist_code', 'occurred_on', 'suspect_amount', 'evidence'
] -%}
{%- set insert_per_view = target.type == 'duckdb' -%}
{%- if insert_per_view -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    post_hook="{{ fill_rule_hits(rule_views() | sort, " ~ hit_columns ~ ") }}",
    meta={'filled_from': registered, 'gate_boundary': true},
) }}
{%- else -%}
{{ config(materialized='table', meta={'gate_boundary': true}) }}
{%- endif %}
{%- if execute -%}
    {%- set discovered = discovered_rule_views() -%}
    {%- set unregistered = [] -%}
    {%- for name in discovered if name not in registered -%}
        {%- do unregistered.append(name) -%}
    {%- endfor -%}
    {%- set unknown = [] -%}
    {%- for name in registered if name not in discovered -%}
        {%- do unknown.append(name) -%}
    {%- endfor -%}
    {%- if unregistered or unknown -%}
        {{ exceptions.raise_compiler_error(
            "fct_rule_hits: the rule views in macros/rule_views.sql do not match the vio_r* models. "
            ~ "Add to rule_views(): " ~ (unregistered | join(', ') or 'nothing')
            ~ "; remove from rule_views(): " ~ (unknown | join(', ') or 'nothing') ~ "."
        ) }}
    {%- endif -%}
{%- endif %}

{#- Rules that read a feed failing the quality gate (var blocked_rules, set by the Dagster build —
    orchestration/lineage.py): their views are left out of this build. The DuckDB fill keeps their
    hits from the last evaluation; the UNION ALL of other engines leaves them out. refs stay
    unconditional at parse time, so dbt knows every dependency. -#}
{%- set evaluated = [] -%}
{%- for name in registered -%}
    {%- if not execute or rule_code_of(name) not in var('blocked_rules', {}) -%}
        {%- do evaluated.append(name) -%}
    {%- endif -%}
{%- endfor %}

with

{% for name in registered if name in evaluated %}
{{ name }} as (
    select {{ hit_columns | join(", ") }}
    from {{ ref(name) }}
),

{% endfor %}
all_hits as (
    {%- for name in evaluated %}
    select * from {{ name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    {{ empty_rule_hits() }}
    {%- endfor %}
),

final as (
    select * from all_hits
    {%- if insert_per_view %}
    -- the hits arrive through the post-hook (config above)
    where 1 = 0
    {%- endif %}
)

select * from final
