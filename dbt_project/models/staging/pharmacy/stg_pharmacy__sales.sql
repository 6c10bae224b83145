with

deduplicated as (
    {{ latest_delivery(source('pharmacy', 'phar_sale'), ['fixmedins_code', 'sale_sn']) }}
),

final as (
    select
        fixmedins_code,
        sale_sn,
        setl_id,
        psn_no,
        sel_time,
        cast(sel_time as date) as sale_date,
        med_list_codg as hilist_code,
        fixmedins_hilist_id,
        fixmedins_bchno,
        cnt,
        finl_trns_pric,
        rx_flag,
        rxno,
        prsc_dr_code,
        drug_trac_codg,
        retn_flag,
        init_sale_sn,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
