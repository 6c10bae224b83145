with

deduplicated as (
    {{ latest_delivery(source('platform', 'mdtrt'), ['mdtrt_id']) }}
),

final as (
    select
        mdtrt_id,
        psn_no,
        fixmedins_code,
        med_type,
        begntime,
        endtime,
        cast(begntime as date) as begin_date,
        cast(endtime as date) as end_date,
        dscg_maindiag_code,
        dscg_maindiag_name,
        adm_dept_codg,
        atddr_code,
        dscg_way,
        insu_admdvs,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
