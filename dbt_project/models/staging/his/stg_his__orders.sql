with

deduplicated as (
    {{ latest_delivery(source('his', 'his_order'), ['fixmedins_code', 'drord_no']) }}
),

final as (
    select
        fixmedins_code,
        drord_no,
        ipt_no,
        mdtrt_id,
        order_type,
        hilist_code,
        medins_list_code,
        item_name,
        start_time,
        stop_time,
        dr_code,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
