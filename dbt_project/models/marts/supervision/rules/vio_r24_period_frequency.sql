{#- R24: per person × current knowledge point of R24 (its side-A items, valid on the event date), the
    person's billed lines of the point's items at all institutions in time order (occurred_at, then
    feedetl_sn / sale_sn). (a) period_days N and max_cnt M: a line whose rolling total — net Σ cnt of
    the point's items on calendar days [d − N + 1, d], d the line's date, up to and including the
    line — exceeds M; it puts in question the units over M it adds × its price. (b) min_interval_days
    K: every line on a billing day d whose previous billing day d′ of the point's items satisfies
    d − d′ < K; it puts in question its net amount. Hospital fee lines and pharmacy sale lines from
    int_billed_lines_unioned (net of refunds and returns). One hit per line however many points and
    checks it breaks; suspect_amount = the largest amount they put in question. -#}

{#- a line's checks read the lines of the period_days (a) and min_interval_days (b) days before it:
    so far back the incremental fill reads (macros/rule_hits.sql), the longest of the current points -#}
{%- set lookback_days = kb_lookback_days('R24', ['period_days', 'min_interval_days']) %}

with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on', lookback_days) }}
),

-- the whole rows of the few hit lines, read apart: person_lines is read once, so DuckDB does not
-- materialise it and the points' codes select the lines first
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

person_lines as (
    select * from billed_lines
    where psn_no is not null
),

point_lines as (
    {{ kb_point_lines('R24', 'person_lines', 'points', 'point_codes',
        parameters=['period_days', 'max_cnt', 'min_interval_days']) }}
),

ordered as (
    select
        *,
        row_number() over (
            partition by psn_no, kb_point_id
            order by occurred_at, coalesce(feedetl_sn, sale_sn), line_source
        ) as line_seq
    from point_lines
),

-- (a) the rolling total of each line: the person's earlier lines of the point within the window, as a
-- running sum over the lines (by day, then line_seq) in which each billing day's total leaves the
-- window period_days later, before that day's lines count (a day d_j is inside the window of a line on
-- day d while d - d_j < period_days). One sort per person and point instead of a join of each line with
-- all earlier ones: a chronic patient's daily injections make that join quadratic.
window_lines as (
    select * from ordered
    where
        kb_period_days is not null
        and kb_max_cnt is not null
),

day_totals as (
    select
        psn_no,
        kb_point_id,
        kb_period_days,
        occurred_on,
        sum(net_cnt) as day_cnt
    from window_lines
    group by psn_no, kb_point_id, kb_period_days, occurred_on
),

window_events as (
    select
        psn_no,
        kb_point_id,
        billed_line_key,
        occurred_on as event_date,
        1 as event_order,
        line_seq,
        net_cnt as delta_cnt
    from window_lines
    union all
    select
        psn_no,
        kb_point_id,
        cast(null as {{ dbt.type_string() }}) as billed_line_key,
        cast({{ dbt.dateadd('day', 'kb_period_days', 'occurred_on') }} as date) as event_date,
        0 as event_order,
        0 as line_seq,
        -day_cnt as delta_cnt
    from day_totals
),

running_events as (
    select
        billed_line_key,
        kb_point_id,
        event_order,
        sum(delta_cnt) over (
            partition by psn_no, kb_point_id
            order by event_date, event_order, line_seq
            rows between unbounded preceding and current row
        ) as rolling_cnt
    from window_events
),

rolling as (
    select
        billed_line_key,
        kb_point_id,
        rolling_cnt
    from running_events
    where event_order = 1
),

-- (b) each billing day of the point's items and the one before it
billing_days as (
    select
        psn_no,
        kb_point_id,
        occurred_on,
        lag(occurred_on) over (partition by psn_no, kb_point_id order by occurred_on) as previous_billing_date
    from (
        select distinct
            psn_no,
            kb_point_id,
            occurred_on
        from ordered
        where kb_min_interval_days is not null
    ) as days
),

checked as (
    select
        ordered.*,
        rolling.rolling_cnt,
        billing_days.previous_billing_date,
        case
            when rolling.rolling_cnt > ordered.kb_max_cnt
                then
                    case
                        when rolling.rolling_cnt - ordered.kb_max_cnt < ordered.net_cnt
                            then rolling.rolling_cnt - ordered.kb_max_cnt
                        else ordered.net_cnt
                    end
            else 0
        end as excess_cnt,
        coalesce(
            {{ dbt.datediff('billing_days.previous_billing_date', 'ordered.occurred_on', 'day') }}
            < ordered.kb_min_interval_days,
            false
        ) as is_too_soon
    from ordered
    left join rolling
        on
            ordered.billed_line_key = rolling.billed_line_key
            and ordered.kb_point_id = rolling.kb_point_id
    left join billing_days
        on
            ordered.psn_no = billing_days.psn_no
            and ordered.kb_point_id = billing_days.kb_point_id
            and ordered.occurred_on = billing_days.occurred_on
),

breaches as (
    select
        *,
        case
            when is_too_soon then net_amount
            else excess_cnt * unit_price
        end as breach_amount
    from checked
    where
        excess_cnt > 0
        or is_too_soon
),

hit_points as (
    {{ kb_breaches_by_line('breaches', [
        ['period_days', 'kb_period_days'],
        ['max_cnt', 'kb_max_cnt'],
        ['rolling_cnt', 'rolling_cnt'],
        ['excess_cnt', 'excess_cnt'],
        ['min_interval_days', 'kb_min_interval_days'],
        ['previous_billing_date', 'case when is_too_soon then previous_billing_date end'],
        ['too_soon', 'is_too_soon'],
    ]) }}
),

hits as (
    select
        billed_line_details.*,
        hit_points.breach_amount,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
),

final as (
    select
        cast('R24' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R24', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('breach_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            [['visit_mdtrt_id', 'mdtrt_id'], ['med_type', 'med_type']],
            after=[['kb_points', 'kb_points']],
        ) }} as evidence,
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R24')) }}
            as result_level
    from hits
)

select * from final
