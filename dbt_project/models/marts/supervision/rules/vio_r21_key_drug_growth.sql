{#- R21: an item of the watchlist rule_key_drug_watchlist whose
    billed amount at an institution in a calendar month is > growth_min_amount and > growth_ratio × the
    average of the three calendar months before (months without billing count as 0). Only months whose
    three preceding months were all delivered (fee_list periods) are evaluated. Billed amount = net
    amount of the fee lines (refunds netted on the line they refund) by the month of fee_ocur_time. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

watchlist as (
    select * from {{ ref('rule_key_drug_watchlist') }}
),

delivered_periods as (
    select * from {{ ref('int_fee_periods_delivered') }}
),

watched_items as (
    select
        hilist_code,
        min(category) as category,
        min(seq) as seq,
        min(name_zh) as watchlist_name_zh,
        min(dosage_form) as dosage_form
    from watchlist
    where hilist_code is not null
    group by hilist_code
),

watched_lines as (
    select
        fee_lines.*,
        cast({{ dbt.date_trunc('month', 'fee_lines.fee_date') }} as date) as month_start
    from fee_lines
    inner join watched_items
        on fee_lines.hilist_code = watched_items.hilist_code
),

monthly_amounts as (
    select
        fixmedins_code,
        hilist_code,
        month_start,
        sum(net_amount) as month_amount,
        sum(case when not is_refund and not is_fully_refunded then 1 else 0 end) as billed_line_count,
        max(hilist_name) as hilist_name
    from watched_lines
    group by fixmedins_code, hilist_code, month_start
),

month_offsets as (
    select
        *,
        cast({{ dbt.dateadd('month', -1, 'month_start') }} as date) as month_1_start,
        cast({{ dbt.dateadd('month', -2, 'month_start') }} as date) as month_2_start,
        cast({{ dbt.dateadd('month', -3, 'month_start') }} as date) as month_3_start
    from monthly_amounts
),

-- the three calendar months before each billed month, and whether each was delivered
trailing_months as (
    select
        current_month.*,
        coalesce(month_1.month_amount, 0) as amount_1,
        coalesce(month_2.month_amount, 0) as amount_2,
        coalesce(month_3.month_amount, 0) as amount_3,
        delivered_1.fee_period is not null
        and delivered_2.fee_period is not null
        and delivered_3.fee_period is not null as has_history
    from month_offsets as current_month
    left join monthly_amounts as month_1
        on
            current_month.fixmedins_code = month_1.fixmedins_code
            and current_month.hilist_code = month_1.hilist_code
            and current_month.month_1_start = month_1.month_start
    left join monthly_amounts as month_2
        on
            current_month.fixmedins_code = month_2.fixmedins_code
            and current_month.hilist_code = month_2.hilist_code
            and current_month.month_2_start = month_2.month_start
    left join monthly_amounts as month_3
        on
            current_month.fixmedins_code = month_3.fixmedins_code
            and current_month.hilist_code = month_3.hilist_code
            and current_month.month_3_start = month_3.month_start
    left join delivered_periods as delivered_1
        on current_month.month_1_start = delivered_1.month_start
    left join delivered_periods as delivered_2
        on current_month.month_2_start = delivered_2.month_start
    left join delivered_periods as delivered_3
        on current_month.month_3_start = delivered_3.month_start
),

-- compared without division: amount × 3 > ratio × (sum of the three months)
growths as (
    select
        *,
        amount_1 + amount_2 + amount_3 as trailing_sum
    from trailing_months
    where
        has_history
        and month_amount > {{ var('growth_min_amount') }}
        and month_amount * 3 > {{ var('growth_ratio') }} * (amount_1 + amount_2 + amount_3)
),

-- occurred_on: the line at which the month's running amount first passed both thresholds
first_crossings as (
    {{ first_crossing(
        events='watched_lines',
        groups='growths',
        partition_by=['fixmedins_code', 'hilist_code', 'month_start'],
        order_by=['fee_ocur_time', 'feedetl_sn'],
        running='net_amount',
        crossed='running_total > ' ~ var('growth_min_amount')
            ~ ' and running_total * 3 > ' ~ var('growth_ratio') ~ ' * trailing_sum',
        carry=['trailing_sum'],
        keep={'crossed_on': 'fee_date', 'crossed_at': 'fee_ocur_time', 'crossed_by': 'feedetl_sn'},
    ) }}
),

hits as (
    select
        growths.*,
        watched_items.category,
        watched_items.seq,
        watched_items.watchlist_name_zh,
        watched_items.dosage_form,
        first_crossings.crossed_on,
        first_crossings.crossed_at,
        first_crossings.crossed_by
    from growths
    inner join watched_items
        on growths.hilist_code = watched_items.hilist_code
    left join first_crossings
        on
            growths.fixmedins_code = first_crossings.fixmedins_code
            and growths.hilist_code = first_crossings.hilist_code
            and growths.month_start = first_crossings.month_start
),

final as (
    select
        cast('R21' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R21', ['fixmedins_code', 'hilist_code', 'month_start']) }} as hit_id,
        fixmedins_code,
        cast(null as {{ dbt.type_string() }}) as psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        cast(null as {{ dbt.type_string() }}) as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        coalesce(crossed_on, month_start) as occurred_on,
        {{ money('month_amount - trailing_sum / 3') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['watchlist_category', 'category'],
            ['watchlist_seq', 'seq'],
            ['watchlist_name_zh', 'watchlist_name_zh'],
            ['dosage_form', 'dosage_form'],
            ['month', 'month_start'],
            ['month_amount', 'month_amount'],
            ['billed_lines', 'billed_line_count'],
            ['amount_month_minus_1', 'amount_1'],
            ['amount_month_minus_2', 'amount_2'],
            ['amount_month_minus_3', 'amount_3'],
            ['trailing_avg', money('trailing_sum / 3')],
            ['growth_min_amount', var('growth_min_amount')],
            ['growth_ratio', var('growth_ratio')],
            ['threshold_crossed_at', 'crossed_at'],
            ['threshold_crossed_by_feedetl_sn', 'crossed_by'],
        ])) }} as evidence,
        {{ catalogue_result_level('R21') }} as result_level
    from hits
)

select * from final
