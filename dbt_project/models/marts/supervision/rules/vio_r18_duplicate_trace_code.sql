{#- R18: the same drug_trac_codg on more than one occurrence, at any
    institutions. Occurrences are the lines of int_billed_lines_unioned: non-returned phar_sale lines
    and not-fully-refunded hospital fee lines (the pharmacy's own fee lines carry the same 追溯码 as its
    sale lines and are not counted again). A sale, its return and a later resale is one occurrence (the
    returned sale is no longer a line). Every occurrence after the first (by time) is a hit. One window
    over the 追溯码, over the occurrences of repeated codes only. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

-- read a second time for the columns of the few repeated occurrences (one CTE read twice would be
-- materialised whole by DuckDB, without the trace-code filter pushed into the scan)
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

occurrences as (
    select trim(drug_trac_codg) as trace_code
    from billed_lines
    where
        drug_trac_codg is not null
        and trim(drug_trac_codg) <> ''
),

-- the 追溯码 with more than one occurrence (few), from a narrow aggregate: only their occurrences
-- are sorted by the window below
repeated_codes as (
    select trace_code
    from occurrences
    group by trace_code
    having count(*) > 1
),

repeated_occurrences as (
    select
        billed_line_details.*,
        repeated_codes.trace_code
    from billed_line_details
    inner join repeated_codes
        on trim(billed_line_details.drug_trac_codg) = repeated_codes.trace_code
    where
        billed_line_details.drug_trac_codg is not null
        and trim(billed_line_details.drug_trac_codg) <> ''
),

ranked as (
    select
        *,
        row_number() over (
            partition by trace_code
            order by occurred_at, billed_line_key
        ) as occurrence_no,
        count(*) over (partition by trace_code) as occurrence_count,
        first_value(line_source) over trace_order as first_line_source,
        first_value(fixmedins_code) over trace_order as first_fixmedins_code,
        first_value(coalesce(feedetl_sn, sale_sn)) over trace_order as first_line_sn,
        first_value(occurred_at) over trace_order as first_occurred_at
    from repeated_occurrences
    window trace_order as (
        partition by trace_code
        order by occurred_at, billed_line_key
        rows between unbounded preceding and unbounded following
    )
),

repeated as (
    select * from ranked
    where occurrence_count > 1
),

-- every occurrence of each repeated 追溯码, for the evidence
trace_occurrences as (
    select
        trace_code,
        {{ json_array_agg(json_object([
            ['occurrence_no', 'occurrence_no'],
            ['line_source', 'line_source'],
            ['fixmedins_code', 'fixmedins_code'],
            ['feedetl_sn', 'feedetl_sn'],
            ['sale_sn', 'sale_sn'],
            ['setl_id', 'setl_id'],
            ['hilist_code', 'hilist_code'],
            ['occurred_at', 'occurred_at'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['fixmedins_bchno', 'fixmedins_bchno'],
        ]), 'occurrence_no') }} as occurrence_list
    from repeated
    group by trace_code
),

hits as (
    select
        repeated.*,
        trace_occurrences.occurrence_list
    from repeated
    inner join trace_occurrences
        on repeated.trace_code = trace_occurrences.trace_code
    where repeated.occurrence_no > 1
),

final as (
    select
        cast('R18' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R18', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            before=[
                ['drug_trac_codg', 'trace_code'],
                ['occurrence_no', 'occurrence_no'],
                ['occurrence_count', 'occurrence_count'],
            ],
            findings=[
                ['first_occurrence', json_object([
                    ['line_source', 'first_line_source'],
                    ['fixmedins_code', 'first_fixmedins_code'],
                    ['line_sn', 'first_line_sn'],
                    ['occurred_at', 'first_occurred_at'],
                ])],
            ],
            gross=false,
            after=[['occurrences', 'occurrence_list']],
        ) }} as evidence,
        {{ catalogue_result_level('R18') }} as result_level
    from hits
)

select * from final
