with

deduplicated as (
    {{ latest_delivery(source('his', 'his_charge'), ['fixmedins_code', 'charge_sn']) }}
),

final as (
    select
        fixmedins_code,
        charge_sn,
        mdtrt_id,
        drord_no,
        hilist_code,
        medins_list_code,
        cnt,
        pric,
        amount,
        charge_time,
        cast(charge_time as date) as charge_date,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
