{#- R07: an inpatient stay whose main diagnosis starts with a
    prefix of the knowledge base rule_low_standard_dx, whose length of stay is at most
    low_std_max_los days, and whose exam (03) + lab (04) lines make up at least low_std_exam_share of
    the amount of all its lines, net of refunds (检查检验费用占比 — an amount share, not a share of
    line counts; a stay whose lines net to 0 or less has no share). The hit is the stay;
    suspect_amount = the stay's total. -#}
with

visits as (
    select * from {{ ref('fct_visit') }}
    where {{ hits_window('begin_date') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

low_standard_dx as (
    select * from {{ ref('rule_low_standard_dx') }}
),

-- closed inpatient stays short enough; a stay whose settlements were all reversed was undone
short_stays as (
    select
        *,
        upper(replace(main_diag_code, '.', '')) as main_diag_key
    from visits
    where
        is_inpatient
        and not is_cancelled
        and los_days is not null
        and los_days <= {{ var('low_std_max_los') }}
        and main_diag_code is not null
),

-- prefixes compare without dots and case (I67.8 matches I67.800 and I678)
dx_prefixes as (
    select
        icd10_prefix,
        name_zh as prefix_name,
        upper(replace(icd10_prefix, '.', '')) as prefix_key
    from low_standard_dx
    where icd10_prefix is not null
),

-- the longest matching prefix names the low-standard diagnosis
dx_matches as (
    select ranked.*
    from (
        select
            short_stays.mdtrt_id,
            dx_prefixes.icd10_prefix,
            dx_prefixes.prefix_name,
            row_number() over (
                partition by short_stays.mdtrt_id
                order by {{ dbt.length('dx_prefixes.prefix_key') }} desc, dx_prefixes.icd10_prefix
            ) as prefix_rank
        from short_stays
        inner join dx_prefixes
            on
                {{ dbt.length('dx_prefixes.prefix_key') }} > 0
                and substring(short_stays.main_diag_key, 1, {{ dbt.length('dx_prefixes.prefix_key') }})
                = dx_prefixes.prefix_key
    ) as ranked
    where ranked.prefix_rank = 1
),

-- the stay's lines that are evidence: refunds count through their original, fully refunded
-- lines not at all
stay_lines as (
    select
        fee_lines.*,
        coalesce(fee_lines.med_chrgitm_type in ('03', '04'), false) as is_exam_or_lab
    from fee_lines
    inner join dx_matches
        on fee_lines.mdtrt_id = dx_matches.mdtrt_id
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
),

line_shares as (
    select
        mdtrt_id,
        count(*) as line_count,
        sum(case when is_exam_or_lab then 1 else 0 end) as exam_lab_line_count,
        sum(net_amount) as lines_amount,
        sum(case when is_exam_or_lab then net_amount else 0 end) as exam_lab_amount
    from stay_lines
    group by mdtrt_id
),

exam_lab_lists as (
    select
        mdtrt_id,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['med_chrgitm_type', 'med_chrgitm_type'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
        ]), 'fee_ocur_time, feedetl_sn') }} as exam_lab_lines
    from stay_lines
    where is_exam_or_lab
    group by mdtrt_id
),

hits as (
    select
        short_stays.*,
        dx_matches.icd10_prefix,
        dx_matches.prefix_name,
        line_shares.line_count,
        line_shares.exam_lab_line_count,
        line_shares.lines_amount,
        line_shares.exam_lab_amount,
        1.0 * line_shares.exam_lab_line_count / line_shares.line_count as exam_lab_line_share,
        case
            when line_shares.lines_amount > 0 then line_shares.exam_lab_amount / line_shares.lines_amount
        end as exam_lab_amount_share,
        exam_lab_lists.exam_lab_lines
    from short_stays
    inner join dx_matches
        on short_stays.mdtrt_id = dx_matches.mdtrt_id
    inner join line_shares
        on short_stays.mdtrt_id = line_shares.mdtrt_id
    left join exam_lab_lists
        on short_stays.mdtrt_id = exam_lab_lists.mdtrt_id
    where
        line_shares.lines_amount > 0
        and line_shares.exam_lab_amount >= {{ var('low_std_exam_share') }} * line_shares.lines_amount
),

final as (
    select
        cast('R07' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R07', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        begin_date as occurred_on,
        {{ money('medfee_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['stay', stay_evidence(['los_days', 'main_diag_name', 'department'])],
            ['low_standard_prefix', 'icd10_prefix'],
            ['low_standard_name', 'prefix_name'],
            ['low_std_max_los', var('low_std_max_los')],
            ['low_std_exam_share', var('low_std_exam_share')],
            ['line_count', 'line_count'],
            ['exam_lab_line_count', 'exam_lab_line_count'],
            ['exam_lab_line_share', 'round(exam_lab_line_share, 4)'],
            ['lines_amount', 'lines_amount'],
            ['exam_lab_amount', 'exam_lab_amount'],
            ['exam_lab_amount_share', 'round(exam_lab_amount_share, 4)'],
            ['exam_lab_lines', 'exam_lab_lines'],
        ])) }} as evidence,
        {{ catalogue_result_level('R07') }} as result_level
    from hits
)

select * from final
