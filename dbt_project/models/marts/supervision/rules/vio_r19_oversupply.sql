{#- R19: one person, one drug, any institutions: in some window of
    supply_window_days calendar days [d−29, d], net Σ cnt ÷ units_per_day > max_supply_days (supply
    counted on the purchase date). Lines are the person's hospital fee lines and pharmacy sale lines
    (int_billed_lines_unioned, net of refunds/returns) of items with units_per_day. A line hits when
    the supply of its window, counting the earlier days of the window and the lines of its own day up
    to and including itself, exceeds the limit: these are "the purchases beyond the limit".
    Window functions with a RANGE frame over a day number, computed only for the person × drug pairs
    that two neighbouring supply_window_days blocks show can exceed the limit at all. -#}

{#- frame bounds must be literals; `| int(30)` keeps sqlfluff's stand-in var() renderable -#}
{%- set days_back = (var('supply_window_days') | int(30)) - 1 -%}

with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

supply_lines as (
    select
        *,
        -- days of therapy per line as exact decimals (no float drift at the limit)
        cast(net_cnt / units_per_day as decimal(18, 6)) as supply_days,
        {{ dbt.datediff("cast('1970-01-01' as date)", 'occurred_on', 'day') }} as day_no
    from billed_lines
    where
        psn_no is not null
        and units_per_day > 0
        and {{ hits_window('occurred_on', days_back) }}
),

-- A window of supply_window_days days touches at most two neighbouring blocks of that many days
-- (day_no ÷ supply_window_days), so a person × drug can only exceed the limit where two neighbouring
-- blocks together supply more than it (counting no line below 0): the exact windows below are
-- computed for those pairs only — a grouped sum instead of sorting every supply line
block_supply as (
    select
        psn_no,
        hilist_code,
        cast(floor(day_no / {{ days_back + 1 }}) as bigint) as block_no,
        sum(case when supply_days > 0 then supply_days else 0 end) as block_supply_days
    from supply_lines
    group by psn_no, hilist_code, cast(floor(day_no / {{ days_back + 1 }}) as bigint)
),

candidate_pairs as (
    select distinct
        psn_no,
        hilist_code
    from (
        select
            psn_no,
            hilist_code,
            sum(block_supply_days) over (
                partition by psn_no, hilist_code
                order by block_no
                range between 1 preceding and current row
            ) as two_block_supply_days
        from block_supply
    ) as block_pairs
    where two_block_supply_days > {{ var('max_supply_days') }}
),

candidate_lines as (
    select supply_lines.*
    from supply_lines
    inner join candidate_pairs
        on
            supply_lines.psn_no = candidate_pairs.psn_no
            and supply_lines.hilist_code = candidate_pairs.hilist_code
),

windowed as (
    select
        *,
        coalesce(sum(supply_days) over (
            partition by psn_no, hilist_code
            order by day_no
            range between {{ days_back }} preceding and 1 preceding
        ), 0) as earlier_days_supply,
        sum(supply_days) over (
            partition by psn_no, hilist_code, day_no
            order by occurred_at, billed_line_key
            rows between unbounded preceding and current row
        ) as same_day_supply
    from candidate_lines
),

hits as (
    select
        *,
        earlier_days_supply + same_day_supply as window_supply_days,
        cast({{ dbt.dateadd('day', '-' ~ days_back, 'occurred_on') }} as date) as window_start
    from windowed
    where earlier_days_supply + same_day_supply > {{ var('max_supply_days') }}
),

-- the purchases of each hit's window, for the evidence (bounded: one person × drug × 30 days)
window_lines as (
    select
        hits.billed_line_key,
        count(*) as window_line_count,
        sum(supply_lines.supply_days) as full_window_supply,
        {{ json_array_agg(json_object([
            ['occurred_at', 'supply_lines.occurred_at'],
            ['line_source', 'supply_lines.line_source'],
            ['fixmedins_code', 'supply_lines.fixmedins_code'],
            ['feedetl_sn', 'supply_lines.feedetl_sn'],
            ['sale_sn', 'supply_lines.sale_sn'],
            ['net_cnt', 'supply_lines.net_cnt'],
            ['units_per_day', 'supply_lines.units_per_day'],
            ['supply_days', 'supply_lines.supply_days'],
            ['net_amount', 'supply_lines.net_amount'],
        ]), 'supply_lines.occurred_at') }} as purchase_list
    from hits
    inner join candidate_lines as supply_lines
        on
            hits.psn_no = supply_lines.psn_no
            and hits.hilist_code = supply_lines.hilist_code
            and supply_lines.day_no between hits.day_no - {{ days_back }} and hits.day_no
    group by hits.billed_line_key
),

final as (
    select
        cast('R19' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R19', ['hits.fixmedins_code', 'hits.feedetl_sn', 'hits.sale_sn']) }} as hit_id,
        hits.fixmedins_code,
        hits.psn_no,
        case when hits.line_source = 'fee_list' then hits.mdtrt_id end as mdtrt_id,
        hits.setl_id,
        hits.feedetl_sn,
        hits.sale_sn,
        hits.hilist_code,
        hits.occurred_on,
        {{ money('hits.net_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['hilist_code', 'hits.hilist_code'],
            ['hilist_name', 'hits.hilist_name'],
            ['line_source', 'hits.line_source'],
            ['occurred_at', 'hits.occurred_at'],
            ['units_per_day', 'hits.units_per_day'],
            ['net_cnt', 'hits.net_cnt'],
            ['line_supply_days', 'hits.supply_days'],
            ['window_start', 'hits.window_start'],
            ['window_end', 'hits.occurred_on'],
            ['supply_window_days', var('supply_window_days')],
            ['max_supply_days', var('max_supply_days')],
            ['window_supply_days_up_to_this_line', 'hits.window_supply_days'],
            ['window_supply_days_whole_day', 'window_lines.full_window_supply'],
            ['window_lines', 'window_lines.window_line_count'],
            ['net_amount', 'hits.net_amount'],
            ['source_file', 'hits.source_file'],
            ['source_line', 'hits.source_line'],
            ['window_purchases', 'window_lines.purchase_list'],
        ])) }} as evidence,
        {{ catalogue_result_level('R19') }} as result_level
    from hits
    -- ST11: its columns are read inside the evidence macro, which the linter renders as text
    left join window_lines  -- noqa: ST11
        on hits.billed_line_key = window_lines.billed_line_key
)

select * from final
