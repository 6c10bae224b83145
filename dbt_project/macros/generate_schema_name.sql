{#- Schemas are named by layer (raw, staging, core, supervision, reporting, ref), never prefixed
    with the target's schema: BI tools and supervisors address them by these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
