{#- R29: a visit with a diagnosis (setl_diag rows + mdtrt.dscg_maindiag_code) starting with a side-A
    ICD-10 prefix of a current knowledge point of R29 valid on the visit's begin date, where the
    person's gend differs from the point's lmt_gend, or the person's whole-year age on the begin date
    is outside [lmt_age_min, lmt_age_max] (the birthday counts as the new age), or the age in days
    since birth exceeds lmt_age_max_days. Prefixes and diagnoses compare without dots and spaces,
    case-insensitive. Visits whose settlements were all reversed do not count. The hit is the visit,
    however many diagnoses and points it breaks; suspect_amount = the visit's total (medfee_sumamt of
    its non-reversed settlements). -#}
with

visits as (
    select * from {{ ref('fct_visit') }}
),

visit_diagnoses as (
    select * from {{ ref('int_visit_diagnoses_unioned') }}
),

persons as (
    select * from {{ ref('dim_person') }}
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
        {{ icd10_key('visit_diagnoses.diag_code') }} as diag_key,
        prefix_lengths.key_length,
        substring({{ icd10_key('visit_diagnoses.diag_code') }}, 1, prefix_lengths.key_length) as join_key
    from visit_diagnoses
    cross join prefix_lengths
),

restricted_diagnoses as (
    select
        kb_point_id,
        code as icd10_prefix,
        {{ icd10_key('code') }} as prefix_key,
        case when {{ dbt.length(icd10_key('code')) }} < 3 then {{ dbt.length(icd10_key('code')) }} else 3 end
            as key_length,
        substring({{ icd10_key('code') }}, 1, 3) as join_key
    from point_codes
    where
        rule_code = 'R29'
        and side = 'A'
        and code_type = 'icd10'
        and {{ dbt.length(icd10_key('code')) }} > 0
),

-- codes first: diagnoses meet the prefixes sharing their first characters, then the whole prefix
matched as (
    select
        diagnosis_keys.mdtrt_id,
        restricted_diagnoses.kb_point_id,
        min(diagnosis_keys.diag_code) as matched_diag_code,
        min(restricted_diagnoses.icd10_prefix) as matched_icd10_prefix
    from diagnosis_keys
    inner join restricted_diagnoses
        on
            diagnosis_keys.key_length = restricted_diagnoses.key_length
            and diagnosis_keys.join_key = restricted_diagnoses.join_key
    where
        substring(diagnosis_keys.diag_key, 1, {{ dbt.length('restricted_diagnoses.prefix_key') }})
        = restricted_diagnoses.prefix_key
    group by diagnosis_keys.mdtrt_id, restricted_diagnoses.kb_point_id
),

visit_points as (
    select
        visits.mdtrt_id,
        visits.psn_no,
        visits.begin_date,
        persons.gend,
        persons.brdy,
        extract(year from visits.begin_date)
        - extract(year from persons.brdy)
        - case
            when
                extract(month from visits.begin_date) * 100 + extract(day from visits.begin_date)
                < extract(month from persons.brdy) * 100 + extract(day from persons.brdy)
                then 1
            else 0
        end as age_years,
        {{ dbt.datediff('persons.brdy', 'visits.begin_date', 'day') }} as age_days,
        matched.matched_diag_code,
        matched.matched_icd10_prefix,
        points.kb_point_id,
        points.national_rule_code as kb_national_rule_code,
        points.rule_name as kb_rule_name,
        points.source as kb_source,
        points.batch as kb_batch,
        points.item_name as kb_item_name,
        points.condition_text as kb_condition_text,
        points.result_level as kb_result_level,
        points.lmt_gend as kb_lmt_gend,
        points.lmt_age_min as kb_lmt_age_min,
        points.lmt_age_max as kb_lmt_age_max,
        points.lmt_age_max_days as kb_lmt_age_max_days
    from matched
    inner join points
        on matched.kb_point_id = points.kb_point_id
    inner join visits
        on matched.mdtrt_id = visits.mdtrt_id
    inner join persons
        on visits.psn_no = persons.psn_no
    where
        points.rule_code = 'R29'
        and not visits.is_cancelled
        and visits.begin_date >= points.valid_from
        and visits.begin_date <= points.valid_to
),

breaches as (
    select
        *,
        coalesce(gend <> kb_lmt_gend, false) as is_other_gend,
        coalesce(age_years < kb_lmt_age_min or age_years > kb_lmt_age_max, false) as is_outside_age,
        coalesce(age_days > kb_lmt_age_max_days, false) as is_over_age_days
    from visit_points
),

hit_points as (
    select
        mdtrt_id,
        min(kb_result_level) as point_result_level,
        {{ kb_points_agg([
            ['lmt_gend', 'kb_lmt_gend'],
            ['lmt_age_min', 'kb_lmt_age_min'],
            ['lmt_age_max', 'kb_lmt_age_max'],
            ['lmt_age_max_days', 'kb_lmt_age_max_days'],
            ['icd10_prefix', 'matched_icd10_prefix'],
            ['diag_code', 'matched_diag_code'],
        ]) }} as kb_points
    from breaches
    where
        is_other_gend
        or is_outside_age
        or is_over_age_days
    group by mdtrt_id
),

hits as (
    select
        visits.*,
        persons.gend,
        persons.gend_name,
        -- the age, never the birth date: with the masked 身份证号 a birth date would rebuild it
        extract(year from visits.begin_date)
        - extract(year from persons.brdy)
        - case
            when
                extract(month from visits.begin_date) * 100 + extract(day from visits.begin_date)
                < extract(month from persons.brdy) * 100 + extract(day from persons.brdy)
                then 1
            else 0
        end as age_years,
        {{ dbt.datediff('persons.brdy', 'visits.begin_date', 'day') }} as age_days,
        hit_points.point_result_level,
        hit_points.kb_points
    from visits
    inner join hit_points
        on visits.mdtrt_id = hit_points.mdtrt_id
    inner join persons
        on visits.psn_no = persons.psn_no
),

final as (
    select
        cast('R29' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R29', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        begin_date as occurred_on,
        {{ money('medfee_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['mdtrt_id', 'mdtrt_id'],
            ['med_type', 'med_type'],
            ['begin_date', 'begin_date'],
            ['main_diag_code', 'main_diag_code'],
            ['person_gend', 'gend'],
            ['person_gend_name', 'gend_name'],
            ['age_on_visit_date', 'age_years'],
            ['age_days_on_visit_date', 'age_days'],
            ['setl_id', 'last_effective_setl_id'],
            ['medfee_sumamt', 'medfee_sumamt'],
            ['kb_points', 'kb_points'],
        ])) }} as evidence,
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R29')) }}
            as result_level
    from hits
)

select * from final
