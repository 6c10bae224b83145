with

deduplicated as (
    {{ latest_delivery(source('platform', 'setl_diag'), ['mdtrt_id', 'diag_code']) }}
),

final as (
    select
        mdtrt_id,
        diag_code,
        diag_name,
        maindiag_flag,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
