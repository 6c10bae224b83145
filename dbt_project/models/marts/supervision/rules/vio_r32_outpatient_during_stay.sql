{#- R32: an outpatient visit (med_type 11, 14) of a person at the institution where the person has
    an inpatient stay, dated (begntime) strictly after the stay's admission date and strictly before its
    discharge date. The hit is the outpatient visit; suspect_amount = its fund_pay_sumamt. -#}
with

visits as (
    select * from {{ ref('fct_visit') }}
),

-- closed stays that were not undone (all settlements reversed)
stays as (
    select * from visits
    where
        is_inpatient
        and not is_cancelled
        and end_date is not null
),

-- outpatient visits with a non-reversed settlement
outpatient_visits as (
    select * from visits
    where
        med_type in ('11', '14')
        and effective_settlement_count > 0
),

inside as (
    select
        outpatient_visits.*,
        stays.mdtrt_id as stay_mdtrt_id,
        stays.begntime as stay_begntime,
        stays.endtime as stay_endtime,
        stays.begin_date as stay_begin_date,
        stays.end_date as stay_end_date,
        stays.los_days as stay_los_days,
        stays.main_diag_code as stay_main_diag_code,
        stays.last_effective_setl_id as stay_last_effective_setl_id,
        stays.medfee_sumamt as stay_medfee_sumamt,
        {{ dbt.datediff('stays.begin_date', 'outpatient_visits.begin_date', 'day') }} as days_after_admission,
        -- one hit per outpatient visit: the earliest admitted stay it falls in (ties: mdtrt_id)
        row_number() over (
            partition by outpatient_visits.mdtrt_id
            order by stays.begntime, stays.mdtrt_id
        ) as stay_rank
    from outpatient_visits
    inner join stays
        on
            outpatient_visits.psn_no = stays.psn_no
            and outpatient_visits.fixmedins_code = stays.fixmedins_code
            and outpatient_visits.begin_date > stays.begin_date
            and outpatient_visits.begin_date < stays.end_date
),

hits as (
    select * from inside
    where stay_rank = 1
),

final as (
    select
        cast('R32' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R32', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        begin_date as occurred_on,
        {{ money('fund_pay_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['outpatient_mdtrt_id', 'mdtrt_id'],
            ['outpatient_med_type', 'med_type'],
            ['outpatient_begntime', 'begntime'],
            ['outpatient_dept_codg', 'adm_dept_codg'],
            ['outpatient_atddr_code', 'atddr_code'],
            ['outpatient_main_diag_code', 'main_diag_code'],
            ['outpatient_medfee_sumamt', 'medfee_sumamt'],
            ['outpatient_fund_pay_sumamt', 'fund_pay_sumamt'],
            ['stay', stay_evidence(['los_days'], prefix='stay_')],
            ['days_after_admission', 'days_after_admission'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ])) }} as evidence,
        {{ catalogue_result_level('R32') }} as result_level
    from hits
)

select * from final
