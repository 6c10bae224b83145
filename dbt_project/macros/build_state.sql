{#-
    build_state(suffix): the bookkeeping table <model><suffix> of an incremental model, in the schema
    build_state — '__built_from' (the input fingerprints its last build was made from) and
    '__last_run' (what its last run rebuilt and why), '__replaced' (the rows a build replaced, as they
    were built: fct_fee_line), '__consumed' (how far fct_rule_hits has read such logs). Kept out of the schemas BI tools and
    supervisors read; create_build_state_schema() makes the schema on first use.
-#}
{% macro build_state(suffix) -%}
    {{ return(this.incorporate(path={'schema': 'build_state', 'identifier': this.identifier ~ suffix})) }}
{%- endmacro %}

{% macro create_build_state_schema() -%}
create schema if not exists {{ this.database }}.build_state
{%- endmacro %}
