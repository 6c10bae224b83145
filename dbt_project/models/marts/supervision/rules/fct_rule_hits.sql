{#- The union of every rule view, listed in rule_views below.

    The list is the one place a rule view is registered, because dbt fixes each model's dependencies
    while parsing: `graph` is empty then and nothing in the parse context lists the project's models,
    so fct_rule_hits can only ref names written down here (dbt_project/README.md "Adding a rule"). At
    run time every vio_r* model the graph holds must be in the list (unlisted_rule_views(),
    macros/rule_hits.sql): one that is not stops the build with the line to add. A listed name that
    is no model stops dbt's own parsing at its ref().

    On DuckDB the table is incremental and filled by one post-hook, fill_rule_hits()
    (macros/rule_hits.sql): each rule's hits are re-evaluated only from the first date its inputs
    changed since the last build (nothing changed: not at all), by deleting and re-inserting from
    the rule's view, one statement per view — DuckDB evaluates 22 inserts in about half the time of
    their UNION ALL (10M fee lines: 44 s against 79 s under a 3 GB memory limit — README
    "Performance"). A hit column added to the uniform output is appended to an existing table
    (on_schema_change append_new_columns); every view's SQL changed with it, so the fill evaluates
    every rule again and no old row keeps the new column empty. dbt-duckdb runs the hook inside the model's transaction, so readers never see
    the table partly filled. `dbt build --full-refresh` evaluates every rule again.
    Other engines (Spark: no transaction around post-hooks) build the UNION ALL as a table.

    meta.gate_boundary: built on every run, even when a feed failed the quality gate — the rules
    that read it are left out and keep their last hits (orchestration/lineage.py), and what reads
    this table is built unless it reads the failing feed by another path. -#}
{%- set rule_views = [
    'vio_r01_duplicate_charge',
    'vio_r02_over_price_cap',
    'vio_r03_unbundled_charge',
    'vio_r04_over_frequency',
    'vio_r05_split_admission',
    'vio_r06_idle_bed',
    'vio_r07_low_standard_admission',
    'vio_r08_concurrent_admission',
    'vio_r09_care_after_death',
    'vio_r10_gender_restriction',
    'vio_r11_age_restriction',
    'vio_r12_indication_restriction',
    'vio_r13_level_or_inpatient_restriction',
    'vio_r14_outside_agreement',
    'vio_r15_unqualified_prescriber',
    'vio_r16_stock_mismatch',
    'vio_r17_no_purchase_record',
    'vio_r18_duplicate_trace_code',
    'vio_r19_oversupply',
    'vio_r20_card_swiping',
    'vio_r21_key_drug_growth',
    'vio_r22_his_mismatch',
    'vio_r23_over_course_days',
    'vio_r24_period_frequency',
    'vio_r25_over_annual_amount',
    'vio_r26_herbal_pieces_not_payable',
    'vio_r27_missing_related_item',
    'vio_r28_contraindicated_diagnosis',
    'vio_r29_diagnosis_sex_age_mismatch',
    'vio_r30_fee_outside_stay',
    'vio_r31_frequent_visits',
    'vio_r32_outpatient_during_stay',
    'vio_r34_group_visits',
    'vio_r33_hospital_indicator_outlier',
] -%}
{%- set registered = rule_views | sort -%}
{%- set hit_columns = [
    'rule_code', 'hit_id', 'fixmedins_code', 'psn_no', 'mdtrt_id', 'setl_id', 'feedetl_sn', 'sale_sn',
    'hilist_code', 'occurred_on', 'suspect_amount', 'evidence', 'result_level'
] -%}
{%- set insert_per_view = target.type == 'duckdb' -%}
{%- if insert_per_view -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    post_hook="{{ fill_rule_hits(" ~ registered ~ ", " ~ hit_columns ~ ") }}",
    meta={'filled_from': registered, 'gate_boundary': true},
) }}
{%- else -%}
{{ config(materialized='table', meta={'gate_boundary': true}) }}
{%- endif %}
{%- set unlisted = unlisted_rule_views(registered) -%}
{%- if unlisted -%}
    {{ exceptions.raise_compiler_error(
        "fct_rule_hits does not union every rule view: add the line(s)    " ~ unlisted | join('    ')
        ~ "    to the rule_views list in " ~ model.original_file_path ~ " (models listed there are the"
        ~ " only ones dbt lets it read)."
    ) }}
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
