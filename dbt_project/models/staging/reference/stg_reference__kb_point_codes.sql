with

deduplicated as (
    {{ latest_delivery(source('reference', 'kb_point_code'), ['kb_point_id', 'side', 'code'], snapshot=true) }}
),

final as (
    select
        kb_point_id,
        side,
        code_type,
        case
            when code_type = 'icd10' then {{ icd10_code('code') }}
            else code
        end as code,
        code as code_delivered,
        code_name,
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
