{#- R06: an inpatient stay with (a) at least idle_days consecutive stay days
    (admission day up to the day before discharge) without any line outside idle_item_types
    (床位/诊察/护理 only: no drug, exam, lab or treatment), or (b) an outpatient or pharmacy
    settlement of the same person at another institution dated strictly between the admission and
    discharge dates. The hit is the stay; suspect_amount = the idle days' lines (a) and the stay's
    bed fees (b), each line once. -#}
{%- set idle_types = var('idle_item_types') -%}
{%- set idle_type_list = "'" ~ (idle_types | join("', '")) ~ "'" %}

with

visits as (
    select * from {{ ref('fct_visit') }}
    where {{ hits_window('begin_date') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

-- read a second time for the columns of the hit stays' lines (stay_lines is read three times, so
-- DuckDB materialises it: it carries only the columns the idle-day test needs)
fee_line_details as (
    select * from {{ ref('fct_fee_line') }}
    where {{ hits_window('fee_date') }}
),

settlements as (
    select * from {{ ref('fct_settlement') }}
    where {{ hits_window('setl_date') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

-- closed inpatient stays; a stay whose settlements were all reversed was undone
stays as (
    select * from visits
    where
        is_inpatient
        and not is_cancelled
        and end_date is not null
),

-- lines that are evidence: refunds count through their original, fully refunded lines not at all
stay_lines as (
    select
        fee_lines.mdtrt_id,
        fee_lines.fee_date,
        fee_lines.med_chrgitm_type
    from fee_lines
    inner join stays
        on fee_lines.mdtrt_id = stays.mdtrt_id
    where
        not fee_lines.is_refund
        and not fee_lines.is_fully_refunded
),

-- a stay without any line was not billed (or its lines are not delivered yet): nothing to judge
billed_stays as (
    select distinct
        stays.mdtrt_id,
        stays.begin_date,
        stays.end_date
    from stays
    inner join stay_lines
        on stays.mdtrt_id = stay_lines.mdtrt_id
),

-- (a) stay days are the admission day up to the day before discharge
stay_days as (
    select
        stays.mdtrt_id,
        calendar.date_day
    from billed_stays as stays
    inner join calendar
        on
            stays.begin_date <= calendar.date_day
            and stays.end_date > calendar.date_day
),

-- a line of unknown class counts as treatment (never makes a day idle)
treatment_days as (
    select distinct
        mdtrt_id,
        fee_date
    from stay_lines
    where coalesce(med_chrgitm_type, '') not in ({{ idle_type_list }})
),

idle_days as (
    select
        stay_days.mdtrt_id,
        stay_days.date_day,
        row_number() over (
            partition by stay_days.mdtrt_id
            order by stay_days.date_day
        ) as idle_day_seq
    from stay_days
    left join treatment_days
        on
            stay_days.mdtrt_id = treatment_days.mdtrt_id
            and stay_days.date_day = treatment_days.fee_date
    where treatment_days.mdtrt_id is null
),

-- consecutive idle days share date − sequence number (gaps and islands)
idle_islands as (
    select
        mdtrt_id,
        date_day,
        cast({{ dbt.dateadd('day', '-idle_day_seq', 'date_day') }} as date) as island_key
    from idle_days
),

idle_runs as (
    select
        mdtrt_id,
        island_key,
        min(date_day) as run_start,
        max(date_day) as run_end,
        count(*) as run_days
    from idle_islands
    group by mdtrt_id, island_key
    having count(*) >= {{ var('idle_days') }}
),

idle_run_days as (
    select
        idle_islands.mdtrt_id,
        idle_islands.date_day
    from idle_islands
    inner join idle_runs
        on
            idle_islands.mdtrt_id = idle_runs.mdtrt_id
            and idle_islands.island_key = idle_runs.island_key
),

idle_stays as (
    select
        mdtrt_id,
        min(run_start) as first_idle_day,
        sum(run_days) as idle_day_count,
        {{ json_array_agg(json_object([
            ['run_start', 'run_start'],
            ['run_end', 'run_end'],
            ['days', 'run_days'],
        ]), 'run_start') }} as idle_runs
    from idle_runs
    group by mdtrt_id
),

-- (b) outpatient (med_type 1x) or pharmacy settlements elsewhere strictly inside the stay
outside_settlements as (
    select
        stays.mdtrt_id,
        settlements.setl_id,
        settlements.mdtrt_id as outside_mdtrt_id,
        settlements.fixmedins_code,
        settlements.med_type,
        settlements.setl_time,
        settlements.setl_date,
        settlements.medfee_sumamt,
        settlements.fund_pay_sumamt
    from stays
    inner join settlements
        on
            stays.psn_no = settlements.psn_no
            and stays.fixmedins_code <> settlements.fixmedins_code
            and stays.begin_date < settlements.setl_date
            and stays.end_date > settlements.setl_date
    where
        settlements.is_effective
        and (settlements.is_pharmacy_settlement or settlements.med_type like '1%')
),

outside_stays as (
    select
        mdtrt_id,
        min(setl_date) as first_outside_date,
        count(*) as outside_settlement_count,
        {{ json_array_agg(json_object([
            ['setl_time', 'setl_time'],
            ['setl_id', 'setl_id'],
            ['mdtrt_id', 'outside_mdtrt_id'],
            ['fixmedins_code', 'fixmedins_code'],
            ['med_type', 'med_type'],
            ['medfee_sumamt', 'medfee_sumamt'],
            ['fund_pay_sumamt', 'fund_pay_sumamt'],
        ]), 'setl_time') }} as outside_settlements
    from outside_settlements
    group by mdtrt_id
),

flagged_stays as (
    select
        stays.*,
        idle_stays.mdtrt_id is not null as has_idle_days,
        idle_stays.first_idle_day,
        idle_stays.idle_day_count,
        idle_stays.idle_runs,
        outside_stays.mdtrt_id is not null as has_outside_settlement,
        outside_stays.first_outside_date,
        outside_stays.outside_settlement_count,
        outside_stays.outside_settlements
    from stays
    left join idle_stays
        on stays.mdtrt_id = idle_stays.mdtrt_id
    left join outside_stays
        on stays.mdtrt_id = outside_stays.mdtrt_id
    where
        idle_stays.mdtrt_id is not null
        or outside_stays.mdtrt_id is not null
),

-- every line of a hit stay once: idle-day lines for (a), bed fees (01) for (b)
hit_lines as (
    select
        fee_line_details.*,
        idle_run_days.mdtrt_id is not null as is_idle_day_line,
        coalesce(fee_line_details.med_chrgitm_type = '01', false) as is_bed_fee_line,
        flagged_stays.has_outside_settlement
    from fee_line_details
    inner join flagged_stays
        on fee_line_details.mdtrt_id = flagged_stays.mdtrt_id
    left join idle_run_days
        on
            fee_line_details.mdtrt_id = idle_run_days.mdtrt_id
            and fee_line_details.fee_date = idle_run_days.date_day
    where
        not fee_line_details.is_refund
        and not fee_line_details.is_fully_refunded
),

line_totals as (
    select
        mdtrt_id,
        sum(case when is_idle_day_line then net_amount else 0 end) as idle_lines_amount,
        sum(case when is_bed_fee_line then net_amount else 0 end) as bed_fee_amount,
        sum(
            case
                when is_idle_day_line or (has_outside_settlement and is_bed_fee_line) then net_amount
                else 0
            end
        ) as suspect_amount
    from hit_lines
    group by mdtrt_id
),

idle_line_lists as (
    select
        mdtrt_id,
        {{ json_array_agg(json_object([
            ['fee_ocur_time', 'fee_ocur_time'],
            ['feedetl_sn', 'feedetl_sn'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['med_chrgitm_type', 'med_chrgitm_type'],
            ['net_cnt', 'net_cnt'],
            ['pric', 'pric'],
            ['net_amount', 'net_amount'],
        ]), 'fee_ocur_time, feedetl_sn') }} as idle_day_lines
    from hit_lines
    where is_idle_day_line
    group by mdtrt_id
),

hits as (
    select
        flagged_stays.*,
        case
            when flagged_stays.first_outside_date is null then flagged_stays.first_idle_day
            when flagged_stays.first_idle_day is null then flagged_stays.first_outside_date
            when flagged_stays.first_idle_day <= flagged_stays.first_outside_date then flagged_stays.first_idle_day
            else flagged_stays.first_outside_date
        end as first_evidence_date,
        coalesce(line_totals.idle_lines_amount, 0) as idle_lines_amount,
        coalesce(line_totals.bed_fee_amount, 0) as bed_fee_amount,
        coalesce(line_totals.suspect_amount, 0) as hit_amount,
        idle_line_lists.idle_day_lines
    from flagged_stays
    left join line_totals
        on flagged_stays.mdtrt_id = line_totals.mdtrt_id
    left join idle_line_lists
        on flagged_stays.mdtrt_id = idle_line_lists.mdtrt_id
),

final as (
    select
        cast('R06' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R06', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        first_evidence_date as occurred_on,
        {{ money('hit_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['stay', stay_evidence(['fixmedins_code', 'los_days', 'main_diag_name'])],
            ['idle_days_found', 'has_idle_days'],
            ['idle_days_param', var('idle_days')],
            ['idle_item_types_param', "'" ~ (idle_types | join(',')) ~ "'"],
            ['idle_day_count', 'idle_day_count'],
            ['idle_runs', 'idle_runs'],
            ['idle_lines_amount', 'idle_lines_amount'],
            ['idle_day_lines', 'idle_day_lines'],
            ['outside_settlement_found', 'has_outside_settlement'],
            ['outside_settlement_count', 'outside_settlement_count'],
            ['outside_settlements', 'outside_settlements'],
            ['bed_fee_amount', 'bed_fee_amount'],
        ])) }} as evidence,
        {{ catalogue_result_level('R06') }} as result_level
    from hits
)

select * from final
