{#-
    surrogate_key(columns): md5 of the columns joined by '|' (NULL as empty), through
    dbt.hash / dbt.concat so every engine computes the same value.

    hit_id(rule_code, columns): deterministic id of a rule hit (RULES.md): the same fact gives
    the same id on every run.
-#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for col in columns -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ col ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{% macro hit_id(rule_code, columns) -%}
    {{ surrogate_key(["'" ~ rule_code ~ "'"] + columns) }}
{%- endmacro %}
