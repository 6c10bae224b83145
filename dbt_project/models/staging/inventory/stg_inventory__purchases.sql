with

deduplicated as (
    {{ latest_delivery(source('inventory', 'inv_purchase'), ['fixmedins_code', 'purc_sn']) }}
),

final as (
    select
        fixmedins_code,
        purc_sn,
        med_list_codg as hilist_code,
        fixmedins_hilist_id,
        fixmedins_bchno,
        spler_name,
        manu_lotnum,
        cnt,
        finl_trns_pric,
        purc_invo_no,
        purc_time,
        cast(purc_time as date) as purc_date,
        retn_flag,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
