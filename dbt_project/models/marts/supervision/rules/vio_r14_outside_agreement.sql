{#- R14: a non-reversed settlement whose setl_time date is not covered by a
    正常 (1) agreement row of its institution, or is covered by a 暂停 (2) / 解除 (3) row (bounds
    inclusive). The hit is the settlement; suspect_amount = its fund_pay_sumamt. -#}
with

settlements as (
    select * from {{ ref('fct_settlement') }}
    where {{ hits_window('setl_date') }}
),

agreements as (
    select * from {{ ref('dim_institution_agreement') }}
),

-- reversals never hit by themselves, and a reversed settlement was undone
effective_settlements as (
    select * from settlements
    where is_effective
),

covering_rows as (
    select
        effective_settlements.setl_id,
        agreements.agreement_no,
        agreements.begndate,
        agreements.enddate,
        agreements.agreement_status,
        agreements.agreement_status_name,
        agreements.is_current
    from effective_settlements
    inner join agreements
        on
            effective_settlements.fixmedins_code = agreements.fixmedins_code
            and effective_settlements.setl_date >= agreements.begndate
            and (agreements.enddate is null or effective_settlements.setl_date <= agreements.enddate)
),

coverage as (
    select
        setl_id,
        max(case when agreement_status = '1' then 1 else 0 end) as has_normal_row,
        max(case when agreement_status in ('2', '3') then 1 else 0 end) as has_blocking_row,
        {{ json_array_agg(json_object([
            ['begndate', 'begndate'],
            ['agreement_no', 'agreement_no'],
            ['enddate', 'enddate'],
            ['agreement_status', 'agreement_status'],
            ['agreement_status_name', 'agreement_status_name'],
            ['is_current', 'is_current'],
        ]), 'begndate, agreement_no') }} as covering_agreement_rows
    from covering_rows
    group by setl_id
),

outside_settlements as (
    select
        effective_settlements.*,
        coalesce(coverage.has_normal_row, 0) = 1 as has_normal_row,
        coalesce(coverage.has_blocking_row, 0) = 1 as has_blocking_row,
        coverage.covering_agreement_rows
    from effective_settlements
    left join coverage
        on effective_settlements.setl_id = coverage.setl_id
    where
        coalesce(coverage.has_normal_row, 0) = 0
        or coverage.has_blocking_row = 1
),

-- the institution's whole agreement history, for the supervisor to see the gap or the block
institution_agreements as (
    select
        fixmedins_code,
        {{ json_array_agg(json_object([
            ['begndate', 'begndate'],
            ['agreement_no', 'agreement_no'],
            ['enddate', 'enddate'],
            ['agreement_status', 'agreement_status'],
            ['agreement_status_name', 'agreement_status_name'],
            ['is_current', 'is_current'],
        ]), 'begndate, agreement_no') }} as agreement_rows
    from agreements
    group by fixmedins_code
),

hits as (
    select
        outside_settlements.*,
        institution_agreements.agreement_rows
    from outside_settlements
    left join institution_agreements
        on outside_settlements.fixmedins_code = institution_agreements.fixmedins_code
),

final as (
    select
        cast('R14' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R14', ['setl_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        setl_date as occurred_on,
        {{ money('fund_pay_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['settlement', json_object([
                ['setl_id', 'setl_id'],
                ['mdtrt_id', 'mdtrt_id'],
                ['fixmedins_code', 'fixmedins_code'],
                ['med_type', 'med_type'],
                ['setl_time', 'setl_time'],
                ['medfee_sumamt', 'medfee_sumamt'],
                ['fund_pay_sumamt', 'fund_pay_sumamt'],
                ['source_file', 'source_file'],
                ['source_line', 'source_line'],
            ])],
            ['covered_by_normal_agreement', 'has_normal_row'],
            ['covered_by_suspension_or_termination', 'has_blocking_row'],
            ['covering_agreement_rows', 'covering_agreement_rows'],
            ['institution_agreement_rows', 'agreement_rows'],
        ])) }} as evidence,
        {{ catalogue_result_level('R14') }} as result_level
    from hits
)

select * from final
