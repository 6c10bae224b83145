{#-
    hit_id(rule_code, columns): deterministic id of a rule hit — md5 of the rule code and the key
    columns joined by '|' (NULL as empty), through dbt.hash/dbt.concat so Spark computes the same.
-#}
{% macro hit_id(rule_code, columns) -%}
    {%- set parts = ["'" ~ rule_code ~ "'"] -%}
    {%- for col in columns -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(cast(" ~ col ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
