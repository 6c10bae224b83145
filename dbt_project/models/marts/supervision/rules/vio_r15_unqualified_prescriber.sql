{#- R15: a hospital fee line whose bilg_dr_code, or a retail-pharmacy sale
    line whose prsc_dr_code, is not in the practitioner register, has cert_status other than 1, or
    whose validity does not cover the line's date; for fee lines also a practitioner registered at
    another institution (prescriptions filled at pharmacies may come from any institution). An empty
    code is a quality warning, not a hit. suspect_amount = the line's net amount. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

practitioners as (
    select * from {{ ref('dim_practitioner') }}
),

-- refunds never hit by themselves, fully refunded lines are no evidence, and pharmacy fee lines
-- are read from phar_sale by line rules
ordered_fee_lines as (
    select
        fee_lines.*,
        practitioners.dr_code is not null as is_registered,
        practitioners.dr_name,
        practitioners.fixmedins_code as dr_fixmedins_code,
        practitioners.cert_status,
        practitioners.cert_status_name,
        practitioners.valid_from as dr_valid_from,
        practitioners.valid_to as dr_valid_to,
        practitioners.is_current as dr_is_current
    from fee_lines
    left join practitioners
        on fee_lines.bilg_dr_code = practitioners.dr_code
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
        and not fee_lines.is_pharmacy_line
        and coalesce(trim(fee_lines.bilg_dr_code), '') <> ''
),

fee_line_checks as (
    select
        *,
        is_registered and coalesce(cert_status, '') <> '1' as is_cert_not_valid,
        is_registered and (fee_date < dr_valid_from or fee_date > dr_valid_to) as is_outside_validity,
        is_registered and dr_fixmedins_code <> fixmedins_code as is_other_institution
    from ordered_fee_lines
),

fee_line_hits as (
    select * from fee_line_checks
    where
        not is_registered
        or is_cert_not_valid
        or is_outside_validity
        or is_other_institution
),

-- returns never hit by themselves; fully returned sales are no evidence
prescribed_sales as (
    select
        pharmacy_sales.*,
        practitioners.dr_code is not null as is_registered,
        practitioners.dr_name,
        practitioners.fixmedins_code as dr_fixmedins_code,
        practitioners.cert_status,
        practitioners.cert_status_name,
        practitioners.valid_from as dr_valid_from,
        practitioners.valid_to as dr_valid_to,
        practitioners.is_current as dr_is_current
    from pharmacy_sales
    left join practitioners
        on pharmacy_sales.prsc_dr_code = practitioners.dr_code
    where
        not pharmacy_sales.is_return
        and not pharmacy_sales.is_fully_returned
        and coalesce(trim(pharmacy_sales.prsc_dr_code), '') <> ''
),

sale_checks as (
    select
        *,
        is_registered and coalesce(cert_status, '') <> '1' as is_cert_not_valid,
        is_registered and (sale_date < dr_valid_from or sale_date > dr_valid_to) as is_outside_validity
    from prescribed_sales
),

sale_hits as (
    select * from sale_checks
    where
        not is_registered
        or is_cert_not_valid
        or is_outside_validity
),

fee_line_hit_rows as (
    select
        cast('R15' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R15', ['fixmedins_code', 'feedetl_sn', "cast(null as " ~ dbt.type_string() ~ ")"]) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        fee_date as occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['dr_code', 'bilg_dr_code'],
            ['role', "'bilg_dr_code 开单医生'"],
            ['not_in_register', 'not is_registered'],
            ['cert_status_not_valid', 'coalesce(is_cert_not_valid, false)'],
            ['outside_validity', 'coalesce(is_outside_validity, false)'],
            ['registered_at_other_institution', 'coalesce(is_other_institution, false)'],
            ['practitioner', json_object([
                ['dr_name_masked', mask_name('dr_name')],
                ['fixmedins_code', 'dr_fixmedins_code'],
                ['cert_status', 'cert_status'],
                ['cert_status_name', 'cert_status_name'],
                ['valid_from', 'dr_valid_from'],
                ['valid_to', 'dr_valid_to'],
                ['is_current', 'dr_is_current'],
            ])],
            ['line', json_object([
                ['feedetl_sn', 'feedetl_sn'],
                ['mdtrt_id', 'mdtrt_id'],
                ['fixmedins_code', 'fixmedins_code'],
                ['fee_ocur_time', 'fee_ocur_time'],
                ['hilist_code', 'hilist_code'],
                ['hilist_name', 'hilist_name'],
                ['bilg_dept_codg', 'bilg_dept_codg'],
                ['cnt', 'cnt'],
                ['pric', 'pric'],
                ['refunded_cnt', 'refunded_cnt'],
                ['net_cnt', 'net_cnt'],
                ['net_amount', 'net_amount'],
                ['source_file', 'source_file'],
                ['source_line', 'source_line'],
            ])],
        ])) }} as evidence,
        {{ catalogue_result_level('R15') }} as result_level
    from fee_line_hits
),

sale_hit_rows as (
    select
        cast('R15' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R15', ['fixmedins_code', "cast(null as " ~ dbt.type_string() ~ ")", 'sale_sn']) }} as hit_id,
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
            ['dr_code', 'prsc_dr_code'],
            ['role', "'prsc_dr_code 开方医师'"],
            ['not_in_register', 'not is_registered'],
            ['cert_status_not_valid', 'coalesce(is_cert_not_valid, false)'],
            ['outside_validity', 'coalesce(is_outside_validity, false)'],
            ['practitioner', json_object([
                ['dr_name_masked', mask_name('dr_name')],
                ['fixmedins_code', 'dr_fixmedins_code'],
                ['cert_status', 'cert_status'],
                ['cert_status_name', 'cert_status_name'],
                ['valid_from', 'dr_valid_from'],
                ['valid_to', 'dr_valid_to'],
                ['is_current', 'dr_is_current'],
            ])],
            ['sale', json_object([
                ['sale_sn', 'sale_sn'],
                ['fixmedins_code', 'fixmedins_code'],
                ['sel_time', 'sel_time'],
                ['setl_id', 'setl_id'],
                ['rxno', 'rxno'],
                ['hilist_code', 'hilist_code'],
                ['hilist_name', 'hilist_name'],
                ['cnt', 'cnt'],
                ['finl_trns_pric', 'finl_trns_pric'],
                ['returned_cnt', 'returned_cnt'],
                ['net_cnt', 'net_cnt'],
                ['net_amount', 'net_amount'],
                ['source_file', 'source_file'],
                ['source_line', 'source_line'],
            ])],
        ])) }} as evidence,
        {{ catalogue_result_level('R15') }} as result_level
    from sale_hits
),

final as (
    select * from fee_line_hit_rows
    union all
    select * from sale_hit_rows
)

select * from final
