{#- One row per institution × visit (mdtrt_id, empty for self-pay) × item × calendar day of the HIS
    charges (his_charge): Σ cnt (refund charges are negative), number of charges, their first and last
    serial numbers and times (cheap aggregates: a JSON list here would be built for millions of
    groups). R22 compares it with the uploaded fee lines of the institutions that deliver his_charge
    at all (stg_his__charging_institutions). -#}
with

charges as (
    select * from {{ ref('stg_his__charges') }}
),

final as (
    select
        fixmedins_code,
        mdtrt_id,
        hilist_code,
        charge_date,
        sum(cnt) as his_cnt,
        sum(amount) as his_amount,
        count(*) as his_charge_count,
        min(charge_sn) as first_charge_sn,
        max(charge_sn) as last_charge_sn,
        min(charge_time) as first_charge_time,
        max(charge_time) as last_charge_time
    from charges
    group by fixmedins_code, mdtrt_id, hilist_code, charge_date
)

select * from final
