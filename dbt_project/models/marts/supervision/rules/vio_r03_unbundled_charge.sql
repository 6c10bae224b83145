{#- R03: a (main, sub) pair of the knowledge base
    rule_bundle_pairs both charged in the same visit on the same calendar day: the sub item is
    included in the main item. One hit per visit × day × sub item; suspect_amount = net amount of
    the sub item's lines that day (each line once, however many main items include it). -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

bundle_pairs as (
    select * from {{ ref('rule_bundle_pairs') }}
),

pairs as (
    select distinct
        main_hilist_code,
        sub_hilist_code,
        note
    from bundle_pairs
    where main_hilist_code <> sub_hilist_code
),

pair_items as (
    select main_hilist_code as hilist_code from pairs
    union
    select sub_hilist_code as hilist_code from pairs
),

-- refunds never hit by themselves, fully refunded lines are no evidence, and pharmacy fee lines
-- are read from phar_sale by line rules; only items of some pair can take part
charged_lines as (
    select fee_lines.*
    from fee_lines
    inner join pair_items
        on fee_lines.hilist_code = pair_items.hilist_code
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
        and not fee_lines.is_pharmacy_line
        and {{ hits_window('fee_lines.fee_date') }}
),

-- one row per visit × day × item
visit_day_items as (
    select
        mdtrt_id,
        fee_date,
        hilist_code,
        max(fixmedins_code) as fixmedins_code,
        max(psn_no) as psn_no,
        max(setl_id) as setl_id,
        max(hilist_name) as hilist_name,
        count(*) as line_count,
        sum(net_cnt) as net_cnt,
        sum(net_amount) as net_amount
    from charged_lines
    group by mdtrt_id, fee_date, hilist_code
),

-- sub items charged with a main item that includes them (one row per pair that applies)
pair_matches as (
    select
        sub_items.mdtrt_id,
        sub_items.fee_date,
        sub_items.hilist_code,
        pairs.main_hilist_code,
        pairs.note,
        main_items.hilist_name as main_hilist_name,
        main_items.line_count as main_line_count,
        main_items.net_cnt as main_net_cnt,
        main_items.net_amount as main_net_amount
    from visit_day_items as sub_items
    inner join pairs
        on sub_items.hilist_code = pairs.sub_hilist_code
    inner join visit_day_items as main_items
        on
            sub_items.mdtrt_id = main_items.mdtrt_id
            and sub_items.fee_date = main_items.fee_date
            and pairs.main_hilist_code = main_items.hilist_code
),

-- the lines behind the matches (sub and main items), listed only for the hits
evidence_keys as (
    select
        mdtrt_id,
        fee_date,
        hilist_code
    from pair_matches
    union
    select
        mdtrt_id,
        fee_date,
        main_hilist_code as hilist_code
    from pair_matches
),

evidence_lines as (
    select
        charged_lines.mdtrt_id,
        charged_lines.fee_date,
        charged_lines.hilist_code,
        {{ json_array_agg(json_object([
            ['feedetl_sn', 'charged_lines.feedetl_sn'],
            ['fee_ocur_time', 'charged_lines.fee_ocur_time'],
            ['setl_id', 'charged_lines.setl_id'],
            ['med_chrgitm_type', 'charged_lines.med_chrgitm_type'],
            ['cnt', 'charged_lines.cnt'],
            ['pric', 'charged_lines.pric'],
            ['det_item_fee_sumamt', 'charged_lines.det_item_fee_sumamt'],
            ['refunded_cnt', 'charged_lines.refunded_cnt'],
            ['net_cnt', 'charged_lines.net_cnt'],
            ['net_amount', 'charged_lines.net_amount'],
            ['bilg_dr_code', 'charged_lines.bilg_dr_code'],
            ['source_file', 'charged_lines.source_file'],
            ['source_line', 'charged_lines.source_line'],
        ]), 'charged_lines.feedetl_sn') }} as lines
    from charged_lines
    inner join evidence_keys
        on
            charged_lines.mdtrt_id = evidence_keys.mdtrt_id
            and charged_lines.fee_date = evidence_keys.fee_date
            and charged_lines.hilist_code = evidence_keys.hilist_code
    group by charged_lines.mdtrt_id, charged_lines.fee_date, charged_lines.hilist_code
),

-- a sub item included in several main items that day is still one hit
main_items_by_sub as (
    select
        pair_matches.mdtrt_id,
        pair_matches.fee_date,
        pair_matches.hilist_code,
        count(*) as main_item_count,
        {{ json_array_agg(json_object([
            ['main_hilist_code', 'pair_matches.main_hilist_code'],
            ['main_hilist_name', 'pair_matches.main_hilist_name'],
            ['bundle_note', 'pair_matches.note'],
            ['line_count', 'pair_matches.main_line_count'],
            ['net_cnt', 'pair_matches.main_net_cnt'],
            ['net_amount', 'pair_matches.main_net_amount'],
            ['lines', 'main_lines.lines'],
        ]), 'pair_matches.main_hilist_code') }} as main_items
    from pair_matches
    inner join evidence_lines as main_lines
        on
            pair_matches.mdtrt_id = main_lines.mdtrt_id
            and pair_matches.fee_date = main_lines.fee_date
            and pair_matches.main_hilist_code = main_lines.hilist_code
    group by pair_matches.mdtrt_id, pair_matches.fee_date, pair_matches.hilist_code
),

hits as (
    select
        sub_items.*,
        sub_lines.lines,
        main_items_by_sub.main_item_count,
        main_items_by_sub.main_items
    from visit_day_items as sub_items
    inner join main_items_by_sub
        on
            sub_items.mdtrt_id = main_items_by_sub.mdtrt_id
            and sub_items.fee_date = main_items_by_sub.fee_date
            and sub_items.hilist_code = main_items_by_sub.hilist_code
    inner join evidence_lines as sub_lines
        on
            sub_items.mdtrt_id = sub_lines.mdtrt_id
            and sub_items.fee_date = sub_lines.fee_date
            and sub_items.hilist_code = sub_lines.hilist_code
),

final as (
    select
        cast('R03' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R03', ['mdtrt_id', 'fee_date', 'hilist_code']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        fee_date as occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['mdtrt_id', 'mdtrt_id'],
            ['fee_date', 'fee_date'],
            ['sub_item', json_object([
                ['hilist_code', 'hilist_code'],
                ['hilist_name', 'hilist_name'],
                ['line_count', 'line_count'],
                ['net_cnt', 'net_cnt'],
                ['net_amount', 'net_amount'],
                ['lines', 'lines'],
            ])],
            ['main_item_count', 'main_item_count'],
            ['main_items', 'main_items'],
        ])) }} as evidence,
        {{ catalogue_result_level('R03') }} as result_level
    from hits
)

select * from final
