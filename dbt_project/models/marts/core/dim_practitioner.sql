with

practitioners as (
    select * from {{ ref('stg_reference__practitioners') }}
),

cert_statuses as (
    select * from {{ ref('code_cert_status') }}
),

final as (
    select
        practitioners.dr_code,
        practitioners.dr_name,
        practitioners.fixmedins_code,
        practitioners.cert_status,
        cert_statuses.name_zh as cert_status_name,
        practitioners.valid_from,
        practitioners.valid_to,
        practitioners.is_current,
        practitioners.first_period_seen,
        practitioners.last_period_seen
    from practitioners
    left join cert_statuses
        on practitioners.cert_status = cert_statuses.code
)

select * from final
