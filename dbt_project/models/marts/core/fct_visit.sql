with

visits as (
    select * from {{ ref('stg_platform__visits') }}
),

diagnoses as (
    select * from {{ ref('stg_platform__settlement_diagnoses') }}
),

settlements as (
    select * from {{ ref('fct_settlement') }}
),

persons as (
    select * from {{ ref('stg_reference__persons') }}
),

institutions as (
    select * from {{ ref('stg_reference__institutions') }}
),

diagnosis_summary as (
    select
        mdtrt_id,
        count(*) as setl_diag_count,
        min(case when maindiag_flag = '1' then diag_code end) as flagged_maindiag_code
    from diagnoses
    group by mdtrt_id
),

settlement_summary as (
    select
        mdtrt_id,
        count(*) as settlement_count,
        sum(case when is_effective then 1 else 0 end) as effective_settlement_count,
        sum(medfee_sumamt) as medfee_sumamt,
        sum(fund_pay_sumamt) as fund_pay_sumamt,
        max(case when is_effective then setl_id end) as last_effective_setl_id
    from settlements
    group by mdtrt_id
),

final as (
    select
        visits.mdtrt_id,
        visits.psn_no,
        persons.psn_key,
        visits.fixmedins_code,
        visits.med_type,
        visits.med_type = '21' as is_inpatient,
        visits.begntime,
        visits.endtime,
        visits.begin_date,
        visits.end_date,
        case
            when visits.med_type = '21' and visits.end_date is not null
                then cast(greatest({{ dbt.datediff('visits.begin_date', 'visits.end_date', 'day') }}, 1) as integer)
        end as los_days,
        visits.dscg_maindiag_code,
        visits.dscg_maindiag_name,
        coalesce(visits.dscg_maindiag_code, diagnosis_summary.flagged_maindiag_code) as main_diag_code,
        cast(coalesce(diagnosis_summary.setl_diag_count, 0) as integer) as setl_diag_count,
        visits.adm_dept_codg,
        visits.atddr_code,
        visits.dscg_way,
        visits.insu_admdvs,
        institutions.admdvs as fixmedins_admdvs,
        coalesce(visits.insu_admdvs <> institutions.admdvs, false) as is_cross_region,
        cast(coalesce(settlement_summary.settlement_count, 0) as integer) as settlement_count,
        cast(coalesce(settlement_summary.effective_settlement_count, 0) as integer) as effective_settlement_count,
        coalesce(settlement_summary.settlement_count, 0) > 0
        and coalesce(settlement_summary.effective_settlement_count, 0) = 0 as is_cancelled,
        settlement_summary.last_effective_setl_id,
        {{ money('coalesce(settlement_summary.medfee_sumamt, 0)') }} as medfee_sumamt,
        {{ money('coalesce(settlement_summary.fund_pay_sumamt, 0)') }} as fund_pay_sumamt,
        visits._file as source_file,
        visits._line as source_line
    from visits
    left join diagnosis_summary
        on visits.mdtrt_id = diagnosis_summary.mdtrt_id
    left join settlement_summary
        on visits.mdtrt_id = settlement_summary.mdtrt_id
    left join institutions
        on visits.fixmedins_code = institutions.fixmedins_code
    left join persons
        on visits.psn_no = persons.psn_no
)

select * from final
