{#- One row per institution × visit (mdtrt_id, empty for self-pay) × item × calendar day of the HIS
    charges (his_charge): Σ cnt (refund charges are negative), number of charges and their serial
    numbers. R22 compares it with the uploaded fee lines; the institutions present here are the ones
    that deliver his_charge at all. -#}
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
        {{ json_array_agg(json_object([
            ['charge_sn', 'charge_sn'],
            ['charge_time', 'charge_time'],
            ['cnt', 'cnt'],
            ['pric', 'pric'],
            ['drord_no', 'drord_no'],
        ]), 'charge_time') }} as his_charges
    from charges
    group by fixmedins_code, mdtrt_id, hilist_code, charge_date
)

select * from final
