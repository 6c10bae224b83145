{#- R30: a fee line of an inpatient stay whose fee_ocur_time falls on a calendar date before the
    admission date or after the discharge date (the admission and discharge days themselves are inside
    the stay). One row per fee line; suspect_amount = the line's net amount. -#}
with

visits as (
    select * from {{ ref('fct_visit') }}
    where {{ hits_window('begin_date') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

-- inpatient stays that were not undone (a stay whose settlements were all reversed does not count)
stays as (
    select * from visits
    where
        is_inpatient
        and not is_cancelled
),

-- lines that are evidence: refunds count through their original, fully refunded lines not at all;
-- a stay without a discharge date yet can only be billed too early
dated_lines as (
    select
        fee_lines.*,
        stays.begntime,
        stays.endtime,
        stays.begin_date,
        stays.end_date,
        stays.los_days,
        stays.main_diag_code,
        stays.last_effective_setl_id,
        stays.medfee_sumamt as stay_medfee_sumamt,
        case
            when fee_lines.fee_date < stays.begin_date then 'before_admission'
            when fee_lines.fee_date > stays.end_date then 'after_discharge'
        end as position_in_stay,
        case
            when fee_lines.fee_date < stays.begin_date
                then {{ dbt.datediff('fee_lines.fee_date', 'stays.begin_date', 'day') }}
            when fee_lines.fee_date > stays.end_date
                then {{ dbt.datediff('stays.end_date', 'fee_lines.fee_date', 'day') }}
        end as days_outside
    from fee_lines
    inner join stays
        on fee_lines.mdtrt_id = stays.mdtrt_id
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
),

hits as (
    select * from dated_lines
    where position_in_stay is not null
),

final as (
    select
        cast('R30' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R30', ['feedetl_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        fee_date as occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['stay', stay_evidence(['los_days'], columns={'medfee_sumamt': 'stay_medfee_sumamt'})],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['med_chrgitm_type', 'med_chrgitm_type'],
            ['fee_ocur_time', 'fee_ocur_time'],
            ['fee_date', 'fee_date'],
            ['admission_date', 'begin_date'],
            ['discharge_date', 'end_date'],
            ['position_in_stay', 'position_in_stay'],
            ['days_outside_stay', 'days_outside'],
            ['bilg_dr_code', 'bilg_dr_code'],
            ['unit_price', 'pric'],
            ['cnt', 'cnt'],
            ['refunded_cnt', 'refunded_cnt'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ])) }} as evidence,
        {{ catalogue_result_level('R30') }} as result_level
    from hits
)

select * from final
