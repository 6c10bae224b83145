{#- R05: same person, same institution, an admission ≤ readmit_days after the
    discharge date of that person's immediately preceding stay there, both main diagnoses sharing
    their first 3 characters, the preceding stay not ended by transfer (dscg_way 2). The hit is the
    later stay. One pass of window functions over person × institution: no self-join. -#}
{#- both stays are compared on the platform's discharge diagnosis (mdtrt.dscg_maindiag_code) -#}
{%- set platform_diagnosis = {'main_diag_code': 'dscg_maindiag_code'} %}

with

visits as (
    select * from {{ ref('fct_visit') }}
),

-- a stay whose settlements were all reversed was undone: it neither hits nor precedes
stays as (
    select * from visits
    where
        is_inpatient
        and not is_cancelled
),

sequenced as (
    select
        *,
        lag(mdtrt_id) over stay_order as prev_mdtrt_id,
        lag(begin_date) over stay_order as prev_begin_date,
        lag(end_date) over stay_order as prev_end_date,
        lag(dscg_maindiag_code) over stay_order as prev_dscg_maindiag_code,
        lag(dscg_maindiag_name) over stay_order as prev_dscg_maindiag_name,
        lag(dscg_way) over stay_order as prev_dscg_way,
        lag(last_effective_setl_id) over stay_order as prev_last_effective_setl_id,
        lag(medfee_sumamt) over stay_order as prev_medfee_sumamt
    from stays
    window stay_order as (
        partition by psn_no, fixmedins_code
        order by begntime, mdtrt_id
    )
),

gaps as (
    select
        *,
        {{ dbt.datediff('prev_end_date', 'begin_date', 'day') }} as days_since_discharge
    from sequenced
    where
        prev_mdtrt_id is not null
        and prev_end_date is not null
),

hits as (
    select * from gaps
    where
        days_since_discharge >= 0
        and days_since_discharge <= {{ var('readmit_days') }}
        and substring(dscg_maindiag_code, 1, 3) = substring(prev_dscg_maindiag_code, 1, 3)
        and coalesce(prev_dscg_way, '') <> '2'
),

final as (
    select
        cast('R05' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R05', ['mdtrt_id']) }} as hit_id,
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
            ['readmit_days', var('readmit_days')],
            ['days_since_discharge', 'days_since_discharge'],
            ['stay', stay_evidence(['los_days', 'main_diag_name'], at='date', columns=platform_diagnosis)],
            ['prior_stay', stay_evidence(
                ['main_diag_name', 'dscg_way'], at='date', columns=platform_diagnosis, prefix='prev_'
            )],
        ])) }} as evidence,
        {{ catalogue_result_level('R05') }} as result_level
    from hits
)

select * from final
