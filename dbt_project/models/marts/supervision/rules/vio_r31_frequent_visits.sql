{#- R31: one person, all institutions: (a) more than frequent_opt_days outpatient visit days
    (med_type 11, 14) in a calendar month, (b) more than frequent_pharmacy_days pharmacy purchase days
    (med_type 41) in a calendar month, (c) more than frequent_admissions inpatient admissions in a
    calendar year. Only visits with a non-reversed settlement count. The hits are every visit on a day
    after the threshold day ((c): every admission after the threshold-th). One row per visit;
    suspect_amount = the visit's fund_pay_sumamt. -#}
with

visits as (
    select * from {{ ref('fct_visit') }}
),

-- visits dated by begntime, counted only with a non-reversed settlement
counted_visits as (
    select
        *,
        case
            when med_type in ('11', '14') then 'a'
            when med_type = '41' then 'b'
            when med_type = '21' then 'c'
        end as part
    from visits
    where
        effective_settlement_count > 0
        and med_type in ('11', '14', '41', '21')
        and begin_date is not null
        -- every visit of the (calendar month or year) periods holding the hits evaluated
        and {{ hits_window('begin_date', 366) }}
),

periods as (
    select
        *,
        case
            when part = 'c' then cast({{ dbt.date_trunc('year', 'begin_date') }} as date)
            else cast({{ dbt.date_trunc('month', 'begin_date') }} as date)
        end as period_start,
        case
            when part = 'a' then {{ var('frequent_opt_days') }}
            when part = 'b' then {{ var('frequent_pharmacy_days') }}
            else {{ var('frequent_admissions') }}
        end as threshold
    from counted_visits
),

-- (a), (b) count distinct visit days; (c) counts admissions one by one (ties: mdtrt_id)
ranked as (
    select
        *,
        case
            when part = 'c'
                then row_number() over (partition by psn_no, part, period_start order by begntime, mdtrt_id)
            else dense_rank() over (partition by psn_no, part, period_start order by begin_date)
        end as seq_in_period
    from periods
),

period_totals as (
    select
        psn_no,
        part,
        period_start,
        max(seq_in_period) as period_count,
        {{ json_array_agg(json_object([
            ['begin_date', 'begin_date'],
            ['mdtrt_id', 'mdtrt_id'],
            ['fixmedins_code', 'fixmedins_code'],
            ['med_type', 'med_type'],
            ['fund_pay_sumamt', 'fund_pay_sumamt'],
        ]), 'begin_date, mdtrt_id') }} as period_visits
    from ranked
    group by psn_no, part, period_start
    having max(seq_in_period) > max(threshold)
),

threshold_days as (
    select
        psn_no,
        part,
        period_start,
        min(begin_date) as threshold_day
    from ranked
    where seq_in_period = threshold
    group by psn_no, part, period_start
),

hits as (
    select
        ranked.*,
        period_totals.period_count,
        period_totals.period_visits,
        threshold_days.threshold_day
    from ranked
    inner join period_totals
        on
            ranked.psn_no = period_totals.psn_no
            and ranked.part = period_totals.part
            and ranked.period_start = period_totals.period_start
    inner join threshold_days
        on
            ranked.psn_no = threshold_days.psn_no
            and ranked.part = threshold_days.part
            and ranked.period_start = threshold_days.period_start
    where ranked.seq_in_period > ranked.threshold
),

final as (
    select
        cast('R31' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R31', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        begin_date as occurred_on,
        {{ money('fund_pay_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['part', 'part'],
            ['counted', "case part when 'a' then 'outpatient_visit_days_in_month' when 'b' then "
                ~ "'pharmacy_purchase_days_in_month' else 'inpatient_admissions_in_year' end"],
            ['period_start', 'period_start'],
            ['period_count', 'period_count'],
            ['threshold', 'threshold'],
            ['threshold_day', 'threshold_day'],
            ['visit_seq_in_period', 'seq_in_period'],
            ['mdtrt_id', 'mdtrt_id'],
            ['med_type', 'med_type'],
            ['begntime', 'begntime'],
            ['medfee_sumamt', 'medfee_sumamt'],
            ['fund_pay_sumamt', 'fund_pay_sumamt'],
            ['period_visits', 'period_visits'],
        ])) }} as evidence,
        {{ catalogue_result_level('R31') }} as result_level
    from hits
)

select * from final
