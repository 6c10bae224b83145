{#- R22: at an institution that
    delivers his_charge at all, for an inpatient visit (med_type 21), item and calendar day, the net
    Σ cnt of the uploaded fee lines (refund lines negative, each on its own day) differs from the Σ cnt
    of the HIS charges (none counts as 0). Every uploaded line of that visit-item-day hits, except
    refund lines and fully refunded lines (no evidence by themselves). suspect_amount = net line
    amount. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

-- read a second time for the columns of the few mismatching lines (one import CTE read twice
-- would be materialised whole by DuckDB)
fee_line_details as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

-- a hit is decided by one institution-visit-item-day: the incremental fill reads both sides from
-- the first changed day only
his_daily as (
    select * from {{ ref('int_his_charges_summed_daily') }}
    where {{ hits_window('charge_date') }}
),

his_institutions as (
    select * from {{ ref('stg_his__charging_institutions') }}
),

-- the uploaded lines summed per visit-item-day, from their key columns only (millions of rows)
inpatient_counts as (
    select
        fee_lines.fixmedins_code,
        fee_lines.mdtrt_id,
        fee_lines.hilist_code,
        fee_lines.fee_date,
        fee_lines.cnt
    from fee_lines
    inner join his_institutions
        on fee_lines.fixmedins_code = his_institutions.fixmedins_code
    where fee_lines.med_type = '21'
),

uploaded_daily as (
    select
        fixmedins_code,
        mdtrt_id,
        hilist_code,
        fee_date,
        sum(cnt) as uploaded_cnt,
        count(*) as uploaded_line_count
    from inpatient_counts
    group by fixmedins_code, mdtrt_id, hilist_code, fee_date
),

compared as (
    select
        uploaded_daily.*,
        coalesce(his_daily.his_cnt, 0) as his_cnt,
        coalesce(his_daily.his_charge_count, 0) as his_charge_count,
        his_daily.first_charge_sn,
        his_daily.last_charge_sn,
        his_daily.first_charge_time,
        his_daily.last_charge_time
    from uploaded_daily
    left join his_daily
        on
            uploaded_daily.fixmedins_code = his_daily.fixmedins_code
            and uploaded_daily.mdtrt_id = his_daily.mdtrt_id
            and uploaded_daily.hilist_code = his_daily.hilist_code
            and uploaded_daily.fee_date = his_daily.charge_date
),

mismatches as (
    select * from compared
    where uploaded_cnt <> his_cnt
),

-- only the lines of mismatching visit-item-days (few) are read whole
mismatch_lines as (
    select
        fee_line_details.*,
        mismatches.uploaded_cnt,
        mismatches.uploaded_line_count,
        mismatches.his_cnt,
        mismatches.his_charge_count,
        mismatches.first_charge_sn,
        mismatches.last_charge_sn,
        mismatches.first_charge_time,
        mismatches.last_charge_time
    from fee_line_details
    inner join mismatches
        on
            fee_line_details.fixmedins_code = mismatches.fixmedins_code
            and fee_line_details.mdtrt_id = mismatches.mdtrt_id
            and fee_line_details.hilist_code = mismatches.hilist_code
            and fee_line_details.fee_date = mismatches.fee_date
    where fee_line_details.med_type = '21'
),

-- every uploaded line of the mismatching visit-item-days (refunds included), for the evidence
mismatch_line_lists as (
    select
        mdtrt_id,
        hilist_code,
        fee_date,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['cnt', 'cnt'],
            ['pric', 'pric'],
            ['det_item_fee_sumamt', 'det_item_fee_sumamt'],
            ['init_feedetl_sn', 'init_feedetl_sn'],
            ['drord_no', 'drord_no'],
        ]), 'fee_ocur_time') }} as uploaded_lines
    from mismatch_lines
    group by mdtrt_id, hilist_code, fee_date
),

hits as (
    select
        mismatch_lines.*,
        mismatch_line_lists.uploaded_lines
    from mismatch_lines
    inner join mismatch_line_lists
        on
            mismatch_lines.mdtrt_id = mismatch_line_lists.mdtrt_id
            and mismatch_lines.hilist_code = mismatch_line_lists.hilist_code
            and mismatch_lines.fee_date = mismatch_line_lists.fee_date
    where
        not mismatch_lines.is_refund
        and not mismatch_lines.is_fully_refunded
),

final as (
    select
        cast('R22' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R22', ['feedetl_sn']) }} as hit_id,
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
            ['mdtrt_id', 'mdtrt_id'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['day', 'fee_date'],
            ['uploaded_net_cnt', 'uploaded_cnt'],
            ['his_cnt', 'his_cnt'],
            ['difference', 'uploaded_cnt - his_cnt'],
            ['hit_feedetl_sn', 'feedetl_sn'],
            ['hit_fee_ocur_time', 'fee_ocur_time'],
            ['hit_cnt', 'cnt'],
            ['hit_net_cnt', 'net_cnt'],
            ['hit_net_amount', 'net_amount'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
            ['uploaded_line_count', 'uploaded_line_count'],
            ['uploaded_lines', 'uploaded_lines'],
            ['his_charge_count', 'his_charge_count'],
            ['his_first_charge_sn', 'first_charge_sn'],
            ['his_first_charge_time', 'first_charge_time'],
            ['his_last_charge_sn', 'last_charge_sn'],
            ['his_last_charge_time', 'last_charge_time'],
        ])) }} as evidence,
        {{ catalogue_result_level('R22') }} as result_level
    from hits
)

select * from final
