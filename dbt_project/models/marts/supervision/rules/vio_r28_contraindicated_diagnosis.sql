{#- R28: a billed line of a current knowledge point of R28 (its side-A items, valid on the event
    date) on a visit one of whose diagnoses (setl_diag rows + mdtrt.dscg_maindiag_code) starts with one
    of the point's side-B ICD-10 prefixes (禁忌症). Prefixes and diagnoses compare without dots and
    spaces, case-insensitive. Hospital fee lines and pharmacy sale lines from int_billed_lines_unioned
    (a pharmacy sale's visit is its settlement's, which rarely has a diagnosis); one hit per line
    however many points it breaks. suspect_amount = the line's net amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- the whole rows of the few hit lines, read apart: billed_lines is read once, so DuckDB does not
-- materialise it and the points' codes select the lines first
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

prefix_lengths as (
    {{ icd10_prefix_lengths() }}
),

-- each diagnosis under its first 1, 2 and 3 characters (the join keys of prefixes of that length)
diagnosis_keys as (
    select
        visit_diagnoses.mdtrt_id,
        visit_diagnoses.diag_code,
        visit_diagnoses.diag_name,
        {{ icd10_key('visit_diagnoses.diag_code') }} as diag_key,
        prefix_lengths.key_length,
        substring({{ icd10_key('visit_diagnoses.diag_code') }}, 1, prefix_lengths.key_length) as join_key
    from visit_diagnoses
    cross join prefix_lengths
),

contraindications as (
    select
        kb_point_id,
        code as icd10_prefix,
        code_name as icd10_name,
        {{ icd10_key('code') }} as prefix_key,
        case when {{ dbt.length(icd10_key('code')) }} < 3 then {{ dbt.length(icd10_key('code')) }} else 3 end
            as key_length,
        substring({{ icd10_key('code') }}, 1, 3) as join_key
    from point_codes
    where
        rule_code = 'R28'
        and side = 'B'
        and code_type = 'icd10'
        and {{ dbt.length(icd10_key('code')) }} > 0
),

point_lines as (
    {{ kb_point_lines('R28', 'billed_lines', 'points', 'point_codes') }}
),

-- the line's visit diagnoses under the point's prefixes: the line's own visit, its point's
-- prefixes sharing the diagnosis' first characters (an equality join), then the whole prefix
matches as (
    select
        point_lines.billed_line_key,
        point_lines.kb_point_id,
        min(diagnosis_keys.diag_code) as matched_diag_code,
        min(contraindications.icd10_prefix) as matched_icd10_prefix
    from point_lines
    inner join diagnosis_keys
        on point_lines.mdtrt_id = diagnosis_keys.mdtrt_id
    inner join contraindications
        on
            point_lines.kb_point_id = contraindications.kb_point_id
            and diagnosis_keys.key_length = contraindications.key_length
            and diagnosis_keys.join_key = contraindications.join_key
    where
        substring(diagnosis_keys.diag_key, 1, {{ dbt.length('contraindications.prefix_key') }})
        = contraindications.prefix_key
    group by point_lines.billed_line_key, point_lines.kb_point_id
),

breaches as (
    select
        point_lines.*,
        point_lines.net_amount as breach_amount,
        matches.matched_diag_code,
        matches.matched_icd10_prefix
    from point_lines
    inner join matches
        on
            point_lines.billed_line_key = matches.billed_line_key
            and point_lines.kb_point_id = matches.kb_point_id
),

hit_points as (
    {{ kb_breaches_by_line('breaches', [
        ['contraindicated_prefix', 'matched_icd10_prefix'],
        ['diag_code', 'matched_diag_code'],
    ]) }}
),

hits as (
    select
        billed_line_details.*,
        hit_points.breach_amount,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
),

final as (
    select
        cast('R28' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R28', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('breach_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            [['visit_mdtrt_id', 'mdtrt_id'], ['med_type', 'med_type']],
            after=[['kb_points', 'kb_points']],
        ) }} as evidence,
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R28')) }}
            as result_level
    from hits
)

select * from final
