{#-
    rule_views(): the rule views fct_rule_hits unions.

    dbt builds its dependency graph while parsing, before `graph` is filled, so a model cannot
    ref() models it only discovers in `graph` (dbt stops with "unable to infer all
    dependencies"). fct_rule_hits therefore refs the names listed here at parse time, and at run
    time checks them against every `vio_r*` model the graph holds: a rule view that is missing
    from this list, or a listed name that is not a model, stops the build with a message saying
    what to add. Adding a rule = adding its view and one line here.
-#}
{% macro rule_views() %}
    {%- set views = [
        'vio_r01_duplicate_charge',
        'vio_r02_over_price_cap',
        'vio_r05_split_admission',
    ] -%}
    {#- one views.append line per further rule -#}
    {%- do views.append('vio_r03_unbundled_charge') -%}
    {%- do views.append('vio_r04_over_frequency') -%}
    {%- do views.append('vio_r06_idle_bed') -%}
    {%- do views.append('vio_r07_low_standard_admission') -%}
    {%- do views.append('vio_r08_concurrent_admission') -%}
    {%- do views.append('vio_r09_care_after_death') -%}
    {%- do views.append('vio_r10_gender_restriction') -%}
    {%- do views.append('vio_r11_age_restriction') -%}
    {%- do views.append('vio_r12_indication_restriction') -%}
    {%- do views.append('vio_r13_level_or_inpatient_restriction') -%}
    {%- do views.append('vio_r14_outside_agreement') -%}
    {%- do views.append('vio_r15_unqualified_prescriber') -%}
    {%- do views.append('vio_r16_stock_mismatch') -%}
    {%- do views.append('vio_r17_no_purchase_record') -%}
    {%- do views.append('vio_r18_duplicate_trace_code') -%}
    {%- do views.append('vio_r19_oversupply') -%}
    {%- do views.append('vio_r20_card_swiping') -%}
    {%- do views.append('vio_r21_key_drug_growth') -%}
    {%- do views.append('vio_r22_his_mismatch') -%}
    {{ return(views | sort) }}
{% endmacro %}


{#- Every model of this project whose name starts with vio_r, sorted (run time only). -#}
{% macro discovered_rule_views() %}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model'
                and node.package_name == project_name
                and node.name.startswith('vio_r') -%}
                {%- do names.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names | sort) }}
{% endmacro %}


{#- A rule view's rule code: its meta.rule_code, else the R-number of its name (vio_r17_… → R17). -#}
{% macro rule_code_of(view_name) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ view_name) if execute else none -%}
    {%- set meta = node.config.meta if node else {} -%}
    {{ return(meta.get('rule_code') or view_name[4:7] | upper) }}
{%- endmacro %}


{#- No hits, typed as every rule view's output (when every rule's input failed the quality gate). -#}
{% macro empty_rule_hits() -%}
    select * from (
    select
        cast(null as {{ dbt.type_string() }}) as rule_code,
        cast(null as {{ dbt.type_string() }}) as hit_id,
        cast(null as {{ dbt.type_string() }}) as fixmedins_code,
        cast(null as {{ dbt.type_string() }}) as psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        cast(null as {{ dbt.type_string() }}) as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        cast(null as date) as occurred_on,
        cast(null as decimal(18, 2)) as suspect_amount,
        cast(null as {{ dbt.type_string() }}) as evidence
    ) as no_hits
    where 1 = 0
{%- endmacro %}
