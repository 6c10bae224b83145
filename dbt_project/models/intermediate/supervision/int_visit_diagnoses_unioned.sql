{#- One row per visit (mdtrt_id) and diagnosis code: RULES.md "Diagnoses of a visit" = every setl_diag
    row of the visit plus mdtrt.dscg_maindiag_code. A code delivered by both sources is one row. -#}
with

settlement_diagnoses as (
    select * from {{ ref('stg_platform__settlement_diagnoses') }}
),

visits as (
    select * from {{ ref('stg_platform__visits') }}
),

diagnosis_rows as (
    select
        mdtrt_id,
        upper(trim(diag_code)) as diag_code,
        diag_name,
        coalesce(maindiag_flag = '1', false) as is_main,
        'setl_diag' as diag_source
    from settlement_diagnoses
    where diag_code is not null
    union all
    select
        mdtrt_id,
        upper(trim(dscg_maindiag_code)) as diag_code,
        dscg_maindiag_name as diag_name,
        true as is_main,
        'mdtrt' as diag_source
    from visits
    where dscg_maindiag_code is not null
),

final as (
    select
        mdtrt_id,
        diag_code,
        max(diag_name) as diag_name,
        max(case when is_main then 1 else 0 end) = 1 as is_main,
        min(diag_source) as first_source,
        count(distinct diag_source) as source_count
    from diagnosis_rows
    where diag_code <> ''
    group by mdtrt_id, diag_code
)

select * from final
