{#- R09: a visit that begins, or has a fee line, on a calendar date
    after the person's die_date (the day of death itself is not a hit), and a retail-pharmacy sale
    line dated after it. Hits are the visit (suspect_amount = the visit's total) or the sale line
    (suspect_amount = its net amount). Pharmacy activity comes from phar_sale, not from the
    pharmacy's visits and fee lines. -#}
with

persons as (
    select * from {{ ref('dim_person') }}
),

visits as (
    select * from {{ ref('fct_visit') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

deceased as (
    select
        psn_no,
        die_date
    from persons
    where die_date is not null
),

-- non-pharmacy visits of deceased persons; a visit whose settlements were all reversed was undone
visits_of_deceased as (
    select
        visits.*,
        deceased.die_date
    from visits
    inner join deceased
        on visits.psn_no = deceased.psn_no
    left join institutions
        on visits.fixmedins_code = institutions.fixmedins_code
    where
        not visits.is_cancelled
        and coalesce(visits.med_type, '') <> '41'
        and not coalesce(institutions.is_pharmacy, false)
),

-- refunds never hit by themselves; fully refunded lines are no evidence
visit_lines as (
    select
        fee_lines.*,
        visits_of_deceased.die_date
    from fee_lines
    inner join visits_of_deceased
        on fee_lines.mdtrt_id = visits_of_deceased.mdtrt_id
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
        and not fee_lines.is_pharmacy_line
),

line_totals as (
    select
        mdtrt_id,
        sum(net_amount) as lines_amount,
        sum(case when fee_date > die_date then 1 else 0 end) as after_death_line_count,
        sum(case when fee_date > die_date then net_amount else 0 end) as after_death_amount,
        min(case when fee_date > die_date then fee_date end) as first_after_death_fee_date
    from visit_lines
    group by mdtrt_id
),

after_death_line_lists as (
    select
        mdtrt_id,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['net_cnt', 'net_cnt'],
            ['pric', 'pric'],
            ['net_amount', 'net_amount'],
            ['bilg_dr_code', 'bilg_dr_code'],
        ]), 'fee_ocur_time, feedetl_sn') }} as after_death_lines
    from visit_lines
    where fee_date > die_date
    group by mdtrt_id
),

visit_hits as (
    select
        visits_of_deceased.*,
        visits_of_deceased.begin_date > visits_of_deceased.die_date as begins_after_death,
        coalesce(line_totals.after_death_line_count, 0) as after_death_line_count,
        coalesce(line_totals.after_death_amount, 0) as after_death_amount,
        case
            when visits_of_deceased.begin_date > visits_of_deceased.die_date then visits_of_deceased.begin_date
            else line_totals.first_after_death_fee_date
        end as first_after_death_date,
        -- a visit without any settlement is valued by its lines
        case
            when visits_of_deceased.settlement_count > 0 then visits_of_deceased.medfee_sumamt
            else coalesce(line_totals.lines_amount, 0)
        end as visit_amount,
        after_death_line_lists.after_death_lines
    from visits_of_deceased
    left join line_totals
        on visits_of_deceased.mdtrt_id = line_totals.mdtrt_id
    left join after_death_line_lists
        on visits_of_deceased.mdtrt_id = after_death_line_lists.mdtrt_id
    where
        visits_of_deceased.begin_date > visits_of_deceased.die_date
        or line_totals.after_death_line_count > 0
),

-- returns never hit by themselves; fully returned sales are no evidence
sale_hits as (
    select
        pharmacy_sales.*,
        deceased.die_date
    from pharmacy_sales
    inner join deceased
        on pharmacy_sales.psn_no = deceased.psn_no
    where
        not pharmacy_sales.is_return
        and not pharmacy_sales.is_fully_returned
        and pharmacy_sales.sale_date > deceased.die_date
),

visit_hit_rows as (
    select
        cast('R09' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R09', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        first_after_death_date as occurred_on,
        {{ money('visit_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['die_date', 'die_date'],
            ['days_after_death', dbt.datediff('die_date', 'first_after_death_date', 'day')],
            ['visit', json_object([
                ['mdtrt_id', 'mdtrt_id'],
                ['fixmedins_code', 'fixmedins_code'],
                ['med_type', 'med_type'],
                ['begntime', 'begntime'],
                ['endtime', 'endtime'],
                ['main_diag_code', 'main_diag_code'],
                ['main_diag_name', 'dscg_maindiag_name'],
                ['dscg_way', 'dscg_way'],
                ['setl_id', 'last_effective_setl_id'],
                ['medfee_sumamt', 'medfee_sumamt'],
                ['fund_pay_sumamt', 'fund_pay_sumamt'],
            ])],
            ['begins_after_death', 'begins_after_death'],
            ['after_death_line_count', 'after_death_line_count'],
            ['after_death_amount', 'after_death_amount'],
            ['after_death_lines', 'after_death_lines'],
        ])) }} as evidence,
        {{ catalogue_result_level('R09') }} as result_level
    from visit_hits
),

sale_hit_rows as (
    select
        cast('R09' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R09', ['fixmedins_code', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        sale_sn,
        hilist_code,
        sale_date as occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['die_date', 'die_date'],
            ['days_after_death', dbt.datediff('die_date', 'sale_date', 'day')],
            ['sale', json_object([
                ['sale_sn', 'sale_sn'],
                ['fixmedins_code', 'fixmedins_code'],
                ['sel_time', 'sel_time'],
                ['setl_id', 'setl_id'],
                ['hilist_code', 'hilist_code'],
                ['hilist_name', 'hilist_name'],
                ['cnt', 'cnt'],
                ['finl_trns_pric', 'finl_trns_pric'],
                ['returned_cnt', 'returned_cnt'],
                ['net_cnt', 'net_cnt'],
                ['net_amount', 'net_amount'],
                ['rxno', 'rxno'],
                ['prsc_dr_code', 'prsc_dr_code'],
                ['drug_trac_codg', 'drug_trac_codg'],
                ['source_file', 'source_file'],
                ['source_line', 'source_line'],
            ])],
        ])) }} as evidence,
        {{ catalogue_result_level('R09') }} as result_level
    from sale_hits
),

final as (
    select * from visit_hit_rows
    union all
    select * from sale_hit_rows
)

select * from final
