with

deduplicated as (
    {{ latest_delivery(source('platform', 'fee_list'), ['feedetl_sn']) }}
),

final as (
    select
        feedetl_sn,
        mdtrt_id,
        setl_id,
        psn_no,
        fixmedins_code,
        fee_ocur_time,
        cast(fee_ocur_time as date) as fee_date,
        hilist_code,
        hilist_name,
        medins_list_code,
        list_type,
        med_chrgitm_type,
        cnt,
        pric,
        det_item_fee_sumamt,
        pric_uplmt_amt,
        bilg_dept_codg,
        bilg_dr_code,
        drord_no,
        init_feedetl_sn,
        drug_trac_codg,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
