with

deduplicated as (
    {{ latest_delivery(source('reference', 'fixmedins'), ['fixmedins_code'], snapshot=true) }}
),

final as (
    select
        fixmedins_code,
        fixmedins_name,
        fixmedins_type,
        hosp_lv,
        econ_type,
        admdvs,
        uscc,
        open_time,
        close_time,
        last_period_seen = _newest_period as is_current,
        first_period_seen,
        last_period_seen,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
