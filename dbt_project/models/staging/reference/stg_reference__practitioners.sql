with

deduplicated as (
    {{ latest_delivery(source('reference', 'practitioner'), ['dr_code'], snapshot=true) }}
),

final as (
    select
        dr_code,
        dr_name,
        fixmedins_code,
        cert_status,
        valid_from,
        valid_to,
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
