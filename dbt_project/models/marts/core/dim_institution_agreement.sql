with

agreements as (
    select * from {{ ref('stg_reference__agreements') }}
),

agreement_statuses as (
    select * from {{ ref('code_agreement_status') }}
),

final as (
    select
        {{ surrogate_key(['agreements.fixmedins_code', 'agreements.agreement_no', 'agreements.begndate']) }}
            as agreement_key,
        agreements.fixmedins_code,
        agreements.agreement_no,
        agreements.begndate,
        agreements.enddate,
        agreements.agreement_status,
        agreement_statuses.name_zh as agreement_status_name,
        agreements.is_current,
        agreements.first_period_seen,
        agreements.last_period_seen
    from agreements
    left join agreement_statuses
        on agreements.agreement_status = agreement_statuses.code
)

select * from final
