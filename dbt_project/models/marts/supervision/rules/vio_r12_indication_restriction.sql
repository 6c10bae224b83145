{#- R12: an item restricted to indications (ICD-10 prefixes separated by ';'), charged on a visit none
    of whose diagnoses (setl_diag rows + mdtrt.dscg_maindiag_code) starts with a listed prefix. The
    restriction is the catalogue row (valid on the event date) column lmt_dise_codes, or a current
    knowledge point of R12 naming the item (side A), valid on the event date, with lmt_dise_codes; each
    restriction is judged on its own list. A visit without any diagnosis (e.g. a pharmacy purchase)
    satisfies no restriction. Prefixes and diagnoses compare without dots and spaces, case-insensitive.
    Hospital fee lines and pharmacy sale lines from int_billed_lines_unioned; one hit per line however
    many restrictions it breaks. suspect_amount = net line amount. -#}

{#- Prefix test without splitting the list (portable, any number of prefixes): a listed prefix p
    matches diagnosis d when ';' || substring(d, 1, k) || ';' occurs in ';' || list || ';' for
    k = length(p). Codes are compared up to max_prefix_length characters. The test runs on a line's
    restrictions × the diagnoses of its own visit only (joined on mdtrt_id), never against the whole
    knowledge base. -#}
{%- set max_prefix_length = 16 -%}
{%- set prefix_tests = [] -%}
{%- for k in range(1, max_prefix_length + 1) -%}
    {%- do prefix_tests.append(dbt.position(
        dbt.concat(["';'", "substring(diagnoses.diag_key, 1, " ~ k ~ ")", "';'"]),
        'restrictions.dise_code_list',
    ) ~ ' > 0') -%}
{%- endfor %}

with

-- read twice, so DuckDB materialises it: only the columns the restrictions need
billed_lines as (
    select
        billed_line_key,
        mdtrt_id,
        hilist_code,
        occurred_on,
        lmt_dise_codes
    from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- the whole rows of the few hit lines
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

visit_diagnoses as (
    select * from {{ ref('int_visit_diagnoses_unioned') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

diagnoses as (
    select
        *,
        {{ icd10_key('diag_code') }} as diag_key
    from visit_diagnoses
),

point_lines as (
    {{ kb_point_lines('R12', 'billed_lines', 'points', 'point_codes', parameters=['lmt_dise_codes']) }}
),

-- one row per line × restriction: the catalogue's list, and each point's
restrictions as (
    select
        billed_line_key,
        mdtrt_id,
        true as is_catalogue,
        cast(null as {{ dbt.type_string() }}) as kb_point_id,
        cast(null as {{ dbt.type_string() }}) as kb_national_rule_code,
        cast(null as {{ dbt.type_string() }}) as kb_rule_name,
        cast(null as {{ dbt.type_string() }}) as kb_source,
        cast(null as {{ dbt.type_string() }}) as kb_batch,
        cast(null as {{ dbt.type_string() }}) as kb_item_name,
        cast(null as {{ dbt.type_string() }}) as kb_condition_text,
        cast(null as {{ dbt.type_string() }}) as kb_result_level,
        cast(null as {{ dbt.type_string() }}) as kb_lmt_dise_codes,
        lmt_dise_codes as dise_codes
    from billed_lines
    where
        lmt_dise_codes is not null
        and trim(lmt_dise_codes) <> ''
    union all
    select
        billed_line_key,
        mdtrt_id,
        false as is_catalogue,
        kb_point_id,
        kb_national_rule_code,
        kb_rule_name,
        kb_source,
        kb_batch,
        kb_item_name,
        kb_condition_text,
        kb_result_level,
        kb_lmt_dise_codes,
        kb_lmt_dise_codes as dise_codes
    from point_lines
    where
        kb_lmt_dise_codes is not null
        and trim(kb_lmt_dise_codes) <> ''
),

listed_restrictions as (
    select
        *,
        coalesce(kb_point_id, '') as restriction_key,
        {{ dbt.concat([
            "';'",
            "upper(replace(replace(replace(replace(dise_codes, ' ', ''), '.', ''), '；', ';'), ',', ';'))",
            "';'",
        ]) }} as dise_code_list
    from restrictions
),

-- restrictions with at least one diagnosis of the line's visit under a listed prefix
matched_restrictions as (
    select distinct
        restrictions.billed_line_key,
        restrictions.restriction_key
    from listed_restrictions as restrictions
    inner join diagnoses
        on restrictions.mdtrt_id = diagnoses.mdtrt_id
    where
        {{ prefix_tests | join('\n        or ') }}
),

broken_restrictions as (
    select listed_restrictions.*
    from listed_restrictions
    left join matched_restrictions
        on
            listed_restrictions.billed_line_key = matched_restrictions.billed_line_key
            and listed_restrictions.restriction_key = matched_restrictions.restriction_key
    where matched_restrictions.billed_line_key is null
),

-- every restriction a hit line broke: the catalogue's, and the points (none: an empty list)
hit_points as (
    select
        billed_line_key,
        max(case when is_catalogue then 1 else 0 end) = 1 as catalogue_broken,
        min(kb_result_level) as point_result_level,
        {{ kb_points_agg([['lmt_dise_codes', 'kb_lmt_dise_codes']]) }} as kb_points
    from broken_restrictions
    group by billed_line_key
),

unmatched_lines as (
    select
        billed_line_details.*,
        hit_points.catalogue_broken,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
),

hit_visits as (
    select distinct mdtrt_id from unmatched_lines
),

-- the diagnoses the supervisor has to look at (visits of hit lines only)
visit_diagnosis_lists as (
    select
        diagnoses.mdtrt_id,
        count(*) as diagnosis_count,
        {{ json_array_agg(json_object([
            ['diag_code', 'diagnoses.diag_code'],
            ['diag_name', 'diagnoses.diag_name'],
            ['is_main', 'diagnoses.is_main'],
        ]), 'diagnoses.diag_code') }} as diagnosis_list
    from diagnoses
    inner join hit_visits
        on diagnoses.mdtrt_id = hit_visits.mdtrt_id
    group by diagnoses.mdtrt_id
),

hits as (
    select
        unmatched_lines.*,
        coalesce(visit_diagnosis_lists.diagnosis_count, 0) as diagnosis_count,
        visit_diagnosis_lists.diagnosis_list
    from unmatched_lines
    left join visit_diagnosis_lists
        on unmatched_lines.mdtrt_id = visit_diagnosis_lists.mdtrt_id
),

final as (
    select
        cast('R12' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R12', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ billed_line_evidence(restriction_findings(
            limits=[
                ['lmt_dise_codes', 'lmt_dise_codes'],
            ],
            visit=[
                ['visit_diagnosis_count', 'diagnosis_count'],
                ['visit_diagnoses', 'diagnosis_list'],
            ],
        ), after=[['kb_points', 'kb_points']]) }} as evidence,
        {{ kb_result_level('point_result_level', 'catalogue_broken', catalogue_result_level('R12')) }}
            as result_level
    from hits
)

select * from final
