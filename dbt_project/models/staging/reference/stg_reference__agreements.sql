with

deduplicated as (
    {{ latest_delivery(
        source('reference', 'fixmedins_agreement'),
        ['fixmedins_code', 'agreement_no', 'begndate'],
        snapshot=true,
    ) }}
),

final as (
    select
        fixmedins_code,
        agreement_no,
        begndate,
        enddate,
        agreement_status,
        last_period_seen = _newest_period as is_current,
        first_period_seen,
        last_period_seen,
        _newest_period as newest_period,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
