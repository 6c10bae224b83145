with

deduplicated as (
    {{ latest_delivery(source('platform', 'setl'), ['setl_id']) }}
),

final as (
    select
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        setl_time,
        cast(setl_time as date) as setl_date,
        medfee_sumamt,
        fulamt_ownpay_amt,
        inscp_amt,
        hifp_pay,
        fund_pay_sumamt,
        acct_pay,
        psn_cash_pay,
        mdtrt_cert_type,
        refd_setl_flag,
        init_setl_id,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
