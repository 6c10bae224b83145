with

deduplicated as (
    {{ latest_delivery(source('his', 'his_ipt_register'), ['fixmedins_code', 'ipt_no']) }}
),

final as (
    select
        fixmedins_code,
        ipt_no,
        mdtrt_id,
        adm_time,
        dscg_time,
        adm_dept,
        bed_no,
        adm_diag_code,
        dscg_diag_code,
        atddr_code,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
