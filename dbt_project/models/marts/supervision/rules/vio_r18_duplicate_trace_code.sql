{#- R18: the same drug_trac_codg on more than one occurrence, at any
    institutions. Occurrences are the lines of int_billed_lines_unioned: non-returned phar_sale lines
    and not-fully-refunded hospital fee lines (the pharmacy's own fee lines carry the same 追溯码 as its
    sale lines and are not counted again). A sale, its return and a later resale is one occurrence (the
    returned sale is no longer a line). Every occurrence after the first (by time) is a hit. One window
    over the 追溯码, over the occurrences of repeated codes only. A hit's evidence is the code's
    occurrences up to and including it, so a later occurrence changes no hit before it: the
    incremental fill re-evaluates the hits from the first changed date, for the codes with an
    occurrence from that date on, with all their occurrences (meta.recompute). -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

-- the lines of the hits evaluated (all of them but in the incremental fill)
window_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- read a second time for the columns of the few repeated occurrences (one CTE read twice would be
-- materialised whole by DuckDB, without the trace-code filter pushed into the scan)
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

-- the codes of the lines of the hits evaluated (every code but in the incremental fill, which so reads
-- the few codes of the changed months instead of grouping every code of the history)
window_codes as (
    select distinct trim(drug_trac_codg) as trace_code
    from window_lines
    where
        drug_trac_codg is not null
        and trim(drug_trac_codg) <> ''
),

occurrences as (
    select trim(billed_lines.drug_trac_codg) as trace_code
    from billed_lines
    inner join window_codes
        on trim(billed_lines.drug_trac_codg) = window_codes.trace_code
    where
        billed_lines.drug_trac_codg is not null
        and trim(billed_lines.drug_trac_codg) <> ''
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

-- the occurrences after the first, dated in the window
repeats as (
    select * from ranked
    where
        occurrence_no > 1
        and {{ hits_window('occurred_on') }}
),

-- each hit's evidence: the occurrences of its 追溯码 up to and including it
trace_occurrences as (
    select
        repeats.billed_line_key,
        {{ json_array_agg(json_object([
            ['occurrence_no', 'earlier.occurrence_no'],
            ['line_source', 'earlier.line_source'],
            ['fixmedins_code', 'earlier.fixmedins_code'],
            ['feedetl_sn', 'earlier.feedetl_sn'],
            ['sale_sn', 'earlier.sale_sn'],
            ['setl_id', 'earlier.setl_id'],
            ['hilist_code', 'earlier.hilist_code'],
            ['occurred_at', 'earlier.occurred_at'],
            ['net_cnt', 'earlier.net_cnt'],
            ['net_amount', 'earlier.net_amount'],
            ['fixmedins_bchno', 'earlier.fixmedins_bchno'],
        ]), 'earlier.occurrence_no') }} as occurrence_list
    from repeats
    inner join ranked as earlier
        on
            repeats.trace_code = earlier.trace_code
            and repeats.occurrence_no >= earlier.occurrence_no
    group by repeats.billed_line_key
),

hits as (
    select
        repeats.*,
        trace_occurrences.occurrence_list
    from repeats
    inner join trace_occurrences
        on repeats.billed_line_key = trace_occurrences.billed_line_key
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
