{#- R12: an item whose catalogue row (valid on the event date)
    carries lmt_dise_codes (ICD-10 prefixes separated by ';'), charged on a visit none of whose
    diagnoses (setl_diag rows + mdtrt.dscg_maindiag_code) starts with a listed prefix. A visit without
    any diagnosis (e.g. a pharmacy purchase) satisfies no restriction. Hospital fee lines and pharmacy
    sale lines from int_billed_lines_unioned. suspect_amount = net line amount. -#}

{#- Prefix test without splitting the list (portable, any number of prefixes): a listed prefix p
    matches diagnosis d when ';' || substring(d, 1, k) || ';' occurs in ';' || list || ';' for
    k = length(p). Codes are compared up to max_prefix_length characters. -#}
{%- set max_prefix_length = 16 -%}
{%- set prefix_tests = [] -%}
{%- for k in range(1, max_prefix_length + 1) -%}
    {%- do prefix_tests.append(dbt.position(
        dbt.concat(["';'", "substring(diagnoses.diag_code, 1, " ~ k ~ ")", "';'"]),
        'restricted_lines.dise_code_list',
    ) ~ ' > 0') -%}
{%- endfor %}

with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

diagnoses as (
    select * from {{ ref('int_visit_diagnoses_unioned') }}
),

restricted_lines as (
    select
        *,
        {{ dbt.concat([
            "';'",
            "upper(replace(replace(replace(lmt_dise_codes, ' ', ''), '；', ';'), ',', ';'))",
            "';'",
        ]) }} as dise_code_list
    from billed_lines
    where
        lmt_dise_codes is not null
        and trim(lmt_dise_codes) <> ''
),

-- lines with at least one diagnosis of their visit under a listed prefix
matched_lines as (
    select
        restricted_lines.billed_line_key,
        min(diagnoses.diag_code) as matched_diag_code
    from restricted_lines
    inner join diagnoses
        on restricted_lines.mdtrt_id = diagnoses.mdtrt_id
    where
        {{ prefix_tests | join('\n        or ') }}
    group by restricted_lines.billed_line_key
),

unmatched_lines as (
    select restricted_lines.*
    from restricted_lines
    left join matched_lines
        on restricted_lines.billed_line_key = matched_lines.billed_line_key
    where matched_lines.billed_line_key is null
),

hit_visits as (
    select distinct mdtrt_id from unmatched_lines
),

-- the diagnoses the supervisor has to look at (visits of hit lines only)
visit_diagnoses as (
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
        coalesce(visit_diagnoses.diagnosis_count, 0) as diagnosis_count,
        visit_diagnoses.diagnosis_list
    from unmatched_lines
    left join visit_diagnoses
        on unmatched_lines.mdtrt_id = visit_diagnoses.mdtrt_id
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
        )) }} as evidence,
        {{ catalogue_result_level('R12') }} as result_level
    from hits
)

select * from final
