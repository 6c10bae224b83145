with

settlements as (
    select * from {{ ref('stg_platform__settlements') }}
),

visits as (
    select * from {{ ref('stg_platform__visits') }}
),

persons as (
    select * from {{ ref('stg_reference__persons') }}
),

institutions as (
    select * from {{ ref('stg_reference__institutions') }}
),

flagged as (
    select
        *,
        coalesce(refd_setl_flag = '1', false) or init_setl_id is not null as is_reversal
    from settlements
),

-- a settlement is reversed when a reversal points at it (the latest reversal is reported)
reversals as (
    select
        init_setl_id,
        max(setl_id) as reversed_by_setl_id
    from flagged
    where is_reversal and init_setl_id is not null
    group by init_setl_id
),

final as (
    select
        flagged.setl_id,
        flagged.mdtrt_id,
        flagged.psn_no,
        persons.psn_key,
        flagged.fixmedins_code,
        visits.med_type,
        coalesce(institutions.fixmedins_type = '2', visits.med_type = '41', false) as is_pharmacy_settlement,
        flagged.setl_time,
        flagged.setl_date,
        flagged.medfee_sumamt,
        flagged.fulamt_ownpay_amt,
        flagged.inscp_amt,
        flagged.hifp_pay,
        flagged.fund_pay_sumamt,
        flagged.acct_pay,
        flagged.psn_cash_pay,
        flagged.mdtrt_cert_type,
        flagged.refd_setl_flag,
        flagged.init_setl_id,
        flagged.is_reversal,
        reversals.init_setl_id is not null as is_reversed,
        reversals.reversed_by_setl_id,
        not flagged.is_reversal and reversals.init_setl_id is null as is_effective,
        flagged._file as source_file,
        flagged._line as source_line
    from flagged
    left join reversals
        on flagged.setl_id = reversals.init_setl_id
    left join visits
        on flagged.mdtrt_id = visits.mdtrt_id
    left join institutions
        on flagged.fixmedins_code = institutions.fixmedins_code
    left join persons
        on flagged.psn_no = persons.psn_no
)

select * from final
