{#- One row per billed line that line-level rules judge (RULES.md, "Definitions every rule uses"):
    a hospital fee line that is not a refund and not fully refunded (counted net of its refunds), or
    a retail-pharmacy phar_sale line that is not a return and not fully returned (net of its
    returns). The pharmacy's own fee lines are left out: pharmacy activity is read from phar_sale.
    Each line carries the catalogue row valid on its date with its 限定支付 restrictions. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

settlements as (
    select * from {{ ref('fct_settlement') }}
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

hospital_lines as (
    select
        'fee_list' as line_source,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        med_type,
        hilist_code,
        hilist_name,
        fee_ocur_time as occurred_at,
        fee_date as occurred_on,
        pric as unit_price,
        cnt,
        refunded_cnt as cancelled_cnt,
        net_cnt,
        net_amount,
        drug_trac_codg,
        cast(null as {{ dbt.type_string() }}) as fixmedins_bchno,
        bilg_dr_code as doctor_code,
        has_catalogue_row,
        catalogue_valid_from,
        source_file,
        source_line
    from fee_lines
    where
        not is_refund
        and not is_fully_refunded
        and not is_pharmacy_line
),

-- the visit of a pharmacy sale is the visit of its settlement (none when not settled)
pharmacy_lines as (
    select
        'phar_sale' as line_source,
        pharmacy_sales.fixmedins_code,
        pharmacy_sales.psn_no,
        settlements.mdtrt_id,
        pharmacy_sales.setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        pharmacy_sales.sale_sn,
        settlements.med_type,
        pharmacy_sales.hilist_code,
        pharmacy_sales.hilist_name,
        pharmacy_sales.sel_time as occurred_at,
        pharmacy_sales.sale_date as occurred_on,
        pharmacy_sales.finl_trns_pric as unit_price,
        pharmacy_sales.cnt,
        pharmacy_sales.returned_cnt as cancelled_cnt,
        pharmacy_sales.net_cnt,
        pharmacy_sales.net_amount,
        pharmacy_sales.drug_trac_codg,
        pharmacy_sales.fixmedins_bchno,
        pharmacy_sales.prsc_dr_code as doctor_code,
        pharmacy_sales.has_catalogue_row,
        pharmacy_sales.catalogue_valid_from,
        pharmacy_sales.source_file,
        pharmacy_sales.source_line
    from pharmacy_sales
    left join settlements
        on pharmacy_sales.setl_id = settlements.setl_id
    where
        not pharmacy_sales.is_return
        and not pharmacy_sales.is_fully_returned
),

billed_lines as (
    select * from hospital_lines
    union all
    select * from pharmacy_lines
),

-- the catalogue row the line was matched to (key hilist_code + valid_from, empty = always valid)
final as (
    select
        billed_lines.*,
        {{ dbt.concat(['billed_lines.line_source', "'|'", 'billed_lines.fixmedins_code', "'|'",
            "coalesce(billed_lines.feedetl_sn, billed_lines.sale_sn)"]) }} as billed_line_key,
        catalogue.list_type,
        catalogue.med_chrgitm_type,
        catalogue.lmt_gend,
        catalogue.lmt_age_min,
        catalogue.lmt_age_max,
        catalogue.lmt_dise_codes,
        catalogue.lmt_hosp_lv_min,
        coalesce(catalogue.lmt_ipt_only, false) as lmt_ipt_only,
        catalogue.units_per_day
    from billed_lines
    left join catalogue
        on
            billed_lines.hilist_code = catalogue.hilist_code
            and coalesce(billed_lines.catalogue_valid_from, cast('1900-01-01' as date)) = catalogue.effective_from
            and billed_lines.has_catalogue_row
)

select * from final
