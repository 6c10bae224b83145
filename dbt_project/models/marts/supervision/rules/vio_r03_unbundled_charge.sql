{#- R03: a (main, sub) pair both charged in the same visit — the sub item is included in the main
    item, or duplicates it. The pairs are the seed rule_bundle_pairs (same calendar day) and the
    current knowledge points of R03 (every side-A code = a main item × every side-B code = a sub item;
    pair_scope 'day': the same calendar day, 'visit': any days of the visit; the pair applies when both
    lines' dates lie in the point's validity). One hit per visit × day × sub item, however many main
    items, seed pairs and points include it; suspect_amount = net amount of the sub item's lines that
    day (each line once). -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

bundle_pairs as (
    select * from {{ ref('rule_bundle_pairs') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

-- a point's pairs: its side-A codes × its side-B codes (within one point, never across points)
point_pairs as (
    select
        mains.code as main_hilist_code,
        subs.code as sub_hilist_code,
        kb.kb_point_id,
        kb.national_rule_code as kb_national_rule_code,
        kb.rule_name as kb_rule_name,
        kb.source as kb_source,
        kb.batch as kb_batch,
        kb.item_name as kb_item_name,
        kb.condition_text as kb_condition_text,
        kb.result_level as kb_result_level,
        kb.pair_scope,
        kb.valid_from,
        kb.valid_to
    from point_codes as mains
    inner join point_codes as subs
        on mains.kb_point_id = subs.kb_point_id
    inner join points as kb
        on mains.kb_point_id = kb.kb_point_id
    where
        mains.rule_code = 'R03'
        and mains.side = 'A'
        and mains.code_type = 'hilist'
        and subs.side = 'B'
        and subs.code_type = 'hilist'
        and kb.rule_code = 'R03'
        and mains.code <> subs.code
),

pairs as (
    select distinct
        main_hilist_code,
        sub_hilist_code,
        note,
        cast(null as {{ dbt.type_string() }}) as kb_point_id,
        cast(null as {{ dbt.type_string() }}) as kb_national_rule_code,
        cast(null as {{ dbt.type_string() }}) as kb_rule_name,
        cast(null as {{ dbt.type_string() }}) as kb_source,
        cast(null as {{ dbt.type_string() }}) as kb_batch,
        cast(null as {{ dbt.type_string() }}) as kb_item_name,
        cast(null as {{ dbt.type_string() }}) as kb_condition_text,
        cast(null as {{ dbt.type_string() }}) as kb_result_level,
        'day' as pair_scope,
        cast('1900-01-01' as date) as valid_from,
        cast('9999-12-31' as date) as valid_to
    from bundle_pairs
    where main_hilist_code <> sub_hilist_code
    union all
    select
        main_hilist_code,
        sub_hilist_code,
        cast(null as {{ dbt.type_string() }}) as note,
        kb_point_id,
        kb_national_rule_code,
        kb_rule_name,
        kb_source,
        kb_batch,
        kb_item_name,
        kb_condition_text,
        kb_result_level,
        pair_scope,
        valid_from,
        valid_to
    from point_pairs
),

pair_items as (
    select main_hilist_code as hilist_code from pairs
    union
    select sub_hilist_code as hilist_code from pairs
),

sub_codes as (
    select distinct sub_hilist_code as hilist_code from pairs
),

-- refunds never hit by themselves, fully refunded lines are no evidence, and pharmacy fee lines
-- are read from phar_sale by line rules
eligible_lines as (
    select * from fee_lines
    where
        not is_refund
        and not is_fully_refunded
        and not is_pharmacy_line
),

-- only visits with a line of some pair's sub item can hit (codes first: a knowledge base names
-- hundreds of main items, its sub items are what is rare)
sub_visits as (
    select distinct eligible_lines.mdtrt_id
    from eligible_lines
    inner join sub_codes
        on eligible_lines.hilist_code = sub_codes.hilist_code
),

-- the lines of items of some pair in those visits
charged_lines as (
    select eligible_lines.*
    from eligible_lines
    inner join pair_items
        on eligible_lines.hilist_code = pair_items.hilist_code
    inner join sub_visits
        on eligible_lines.mdtrt_id = sub_visits.mdtrt_id
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
        sum(net_amount) as net_amount,
        -- the visit × item key the main item is looked up by (see pair_matches)
        {{ dbt.concat(['mdtrt_id', "'|'", 'hilist_code']) }} as visit_item_key
    from charged_lines
    group by mdtrt_id, fee_date, hilist_code
),

-- sub items charged with a main item that includes them (one row per pair, main day and source
-- that applies): the same day, or any day of the visit for a point of pair_scope 'visit'
pair_matches as (
    select
        sub_items.mdtrt_id,
        sub_items.fee_date,
        sub_items.hilist_code,
        pairs.main_hilist_code,
        main_items.fee_date as main_fee_date,
        pairs.note,
        pairs.kb_point_id,
        pairs.kb_national_rule_code,
        pairs.kb_rule_name,
        pairs.kb_source,
        pairs.kb_batch,
        pairs.kb_item_name,
        pairs.kb_condition_text,
        pairs.kb_result_level,
        pairs.pair_scope,
        main_items.hilist_name as main_hilist_name,
        main_items.line_count as main_line_count,
        main_items.net_cnt as main_net_cnt,
        main_items.net_amount as main_net_amount
    from visit_day_items as sub_items
    inner join pairs
        on sub_items.hilist_code = pairs.sub_hilist_code
    -- one key of the visit and the pair's main item, so the main items are looked up only after the
    -- sub items met their pairs (an optimiser free to join the visit's items first pairs every item of
    -- a visit with every other: 16 million rows at 1M fee lines with a national knowledge base)
    inner join visit_day_items as main_items
        on main_items.visit_item_key = {{ dbt.concat(['sub_items.mdtrt_id', "'|'", 'pairs.main_hilist_code']) }}
    where
        (sub_items.fee_date = main_items.fee_date or pairs.pair_scope = 'visit')
        and sub_items.fee_date >= pairs.valid_from
        and sub_items.fee_date <= pairs.valid_to
        and main_items.fee_date >= pairs.valid_from
        and main_items.fee_date <= pairs.valid_to
),

-- the main items of each hit (one per main item and day, whichever pairs named it)
main_matches as (
    select
        mdtrt_id,
        fee_date,
        hilist_code,
        main_hilist_code,
        main_fee_date,
        max(main_hilist_name) as main_hilist_name,
        max(note) as note,
        max(main_line_count) as main_line_count,
        max(main_net_cnt) as main_net_cnt,
        max(main_net_amount) as main_net_amount
    from pair_matches
    group by mdtrt_id, fee_date, hilist_code, main_hilist_code, main_fee_date
),

-- the lines behind the matches (sub and main items), listed only for the hits
evidence_keys as (
    select
        mdtrt_id,
        fee_date,
        hilist_code
    from main_matches
    union
    select
        mdtrt_id,
        main_fee_date as fee_date,
        main_hilist_code as hilist_code
    from main_matches
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

-- a sub item included in several main items is still one hit
main_items_by_sub as (
    select
        main_matches.mdtrt_id,
        main_matches.fee_date,
        main_matches.hilist_code,
        count(*) as main_item_count,
        {{ json_array_agg(json_object([
            ['main_hilist_code', 'main_matches.main_hilist_code'],
            ['main_hilist_name', 'main_matches.main_hilist_name'],
            ['main_fee_date', 'main_matches.main_fee_date'],
            ['bundle_note', 'main_matches.note'],
            ['line_count', 'main_matches.main_line_count'],
            ['net_cnt', 'main_matches.main_net_cnt'],
            ['net_amount', 'main_matches.main_net_amount'],
            ['lines', 'main_lines.lines'],
        ]), 'main_matches.main_hilist_code, main_matches.main_fee_date') }} as main_items
    from main_matches
    inner join evidence_lines as main_lines
        on
            main_matches.mdtrt_id = main_lines.mdtrt_id
            and main_matches.main_fee_date = main_lines.fee_date
            and main_matches.main_hilist_code = main_lines.hilist_code
    group by main_matches.mdtrt_id, main_matches.fee_date, main_matches.hilist_code
),

-- each point a hit broke, once (whichever of its main items and days matched)
hit_point_rows as (
    select
        mdtrt_id,
        fee_date,
        hilist_code,
        kb_point_id,
        kb_national_rule_code,
        kb_rule_name,
        kb_source,
        kb_batch,
        kb_item_name,
        kb_condition_text,
        kb_result_level,
        pair_scope,
        min(main_hilist_code) as main_hilist_code
    from pair_matches
    group by
        mdtrt_id, fee_date, hilist_code, kb_point_id, kb_national_rule_code, kb_rule_name, kb_source,
        kb_batch, kb_item_name, kb_condition_text, kb_result_level, pair_scope
),

hit_points as (
    select
        mdtrt_id,
        fee_date,
        hilist_code,
        max(case when kb_point_id is null then 1 else 0 end) = 1 as catalogue_broken,
        min(kb_result_level) as point_result_level,
        {{ kb_points_agg([['pair_scope', 'pair_scope'], ['main_hilist_code', 'main_hilist_code']]) }}
            as kb_points
    from hit_point_rows
    group by mdtrt_id, fee_date, hilist_code
),

hits as (
    select
        sub_items.*,
        sub_lines.lines,
        main_items_by_sub.main_item_count,
        main_items_by_sub.main_items,
        hit_points.catalogue_broken,
        hit_points.point_result_level,
        hit_points.kb_points
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
    inner join hit_points
        on
            sub_items.mdtrt_id = hit_points.mdtrt_id
            and sub_items.fee_date = hit_points.fee_date
            and sub_items.hilist_code = hit_points.hilist_code
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
            ['kb_points', 'kb_points'],
        ])) }} as evidence,
        {{ kb_result_level('point_result_level', 'catalogue_broken', catalogue_result_level('R03')) }}
            as result_level
    from hits
)

select * from final
