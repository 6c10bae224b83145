{#- The R33 indicators of every hospital (fixmedins_type 1 with a hosp_lv) × quarter, each with the
    statistics of its peer group (same hosp_lv, quarter and indicator): one row per hospital × quarter
    × indicator (docs: int_hospital_indicators_quarterly). Read by vio_r33_peer_indicator_outlier and
    rpt_hospital_indicators_quarterly, so the indicators are computed once. -#}
with

settlements as (
    select * from {{ ref('fct_settlement') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

visits as (
    select * from {{ ref('fct_visit') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

hospitals as (
    select
        fixmedins_code,
        hosp_lv
    from institutions
    where fixmedins_type = '1' and hosp_lv is not null
),

-- non-reversed settlements of hospitals, each in the quarter of its setl_time
settled as (
    select
        settlements.setl_id,
        settlements.mdtrt_id,
        settlements.fixmedins_code,
        cast(extract(year from settlements.setl_date) as integer) as year_number,
        cast(extract(quarter from settlements.setl_date) as integer) as quarter_number
    from settlements
    inner join hospitals
        on settlements.fixmedins_code = hospitals.fixmedins_code
    where settlements.is_effective
),

-- a visit counts once in each quarter in which one of its settlements falls
visit_quarters as (
    select distinct
        settled.fixmedins_code,
        settled.year_number,
        settled.quarter_number,
        settled.mdtrt_id,
        visits.med_type,
        visits.los_days
    from settled
    inner join visits
        on settled.mdtrt_id = visits.mdtrt_id
),

visit_counts as (
    select
        fixmedins_code,
        year_number,
        quarter_number,
        count(*) as visit_count,
        sum(case when med_type = '21' then 1 else 0 end) as stay_count,
        sum(case when med_type = '21' and los_days is not null then 1 else 0 end) as discharged_stay_count,
        sum(case when med_type = '21' and los_days is not null then los_days else 0 end) as bed_days,
        sum(case when med_type in ('11', '14') then 1 else 0 end) as outpatient_visit_count
    from visit_quarters
    group by fixmedins_code, year_number, quarter_number
),

-- the settled fee lines, net of refunds (a refund line pointing at an original counts 0)
line_amounts as (
    select
        settled.fixmedins_code,
        settled.year_number,
        settled.quarter_number,
        sum(fee_lines.net_amount) as total_amount,
        sum(case when fee_lines.med_chrgitm_type in ('09', '10', '11') then fee_lines.net_amount else 0 end)
            as drug_amount,
        sum(case when fee_lines.med_chrgitm_type in ('03', '04') then fee_lines.net_amount else 0 end)
            as exam_lab_amount,
        sum(case when fee_lines.med_chrgitm_type = '08' then fee_lines.net_amount else 0 end)
            as consumable_amount,
        sum(case when fee_lines.med_type = '21' then fee_lines.net_amount else 0 end) as inpatient_amount,
        sum(case when fee_lines.med_type in ('11', '14') then fee_lines.net_amount else 0 end)
            as outpatient_amount
    from fee_lines
    inner join settled
        on fee_lines.setl_id = settled.setl_id
    group by settled.fixmedins_code, settled.year_number, settled.quarter_number
),

hospital_quarters as (
    select
        visit_counts.fixmedins_code,
        hospitals.hosp_lv,
        visit_counts.year_number,
        visit_counts.quarter_number,
        visit_counts.visit_count,
        visit_counts.stay_count,
        visit_counts.discharged_stay_count,
        visit_counts.bed_days,
        visit_counts.outpatient_visit_count,
        cast(coalesce(line_amounts.total_amount, 0) as double) as total_amount,
        cast(coalesce(line_amounts.drug_amount, 0) as double) as drug_amount,
        cast(coalesce(line_amounts.exam_lab_amount, 0) as double) as exam_lab_amount,
        cast(coalesce(line_amounts.consumable_amount, 0) as double) as consumable_amount,
        cast(coalesce(line_amounts.inpatient_amount, 0) as double) as inpatient_amount,
        cast(coalesce(line_amounts.outpatient_amount, 0) as double) as outpatient_amount
    from visit_counts
    inner join hospitals
        on visit_counts.fixmedins_code = hospitals.fixmedins_code
    left join line_amounts
        on
            visit_counts.fixmedins_code = line_amounts.fixmedins_code
            and visit_counts.year_number = line_amounts.year_number
            and visit_counts.quarter_number = line_amounts.quarter_number
),

-- one row per indicator: its value (null where the denominator is 0), the visits of its kind, and
-- the figure (x − median) is multiplied by for the suspect amount
indicators as (
    {%- set indicators = [
        ['drug_share', 'drug_amount', 'total_amount', 'visit_count', 'total_amount'],
        ['exam_lab_share', 'exam_lab_amount', 'total_amount', 'visit_count', 'total_amount'],
        ['consumable_share', 'consumable_amount', 'total_amount', 'visit_count', 'total_amount'],
        ['avg_ipt_cost', 'inpatient_amount', 'stay_count', 'stay_count', 'stay_count'],
        ['avg_los', 'bed_days', 'discharged_stay_count', 'discharged_stay_count',
            'case when bed_days > 0 then inpatient_amount / bed_days else 0 end * discharged_stay_count'],
        ['avg_opt_cost', 'outpatient_amount', 'outpatient_visit_count', 'outpatient_visit_count',
            'outpatient_visit_count'],
    ] %}
    {%- for name, numerator, denominator, kind_visits, basis in indicators %}
    select
        fixmedins_code,
        hosp_lv,
        year_number,
        quarter_number,
        cast('{{ name }}' as {{ dbt.type_string() }}) as indicator,
        cast({{ loop.index }} as integer) as indicator_order,
        -- rounded to 6 decimals: equal ratios of different totals compare equal (no MAD of 1e-17)
        case
            when {{ denominator }} > 0 then round(cast({{ numerator }} as double) / {{ denominator }}, 6)
        end as indicator_value,
        cast({{ numerator }} as double) as numerator_value,
        cast({{ denominator }} as double) as denominator_value,
        cast({{ kind_visits }} as integer) as visit_count,
        cast({{ basis }} as double) as suspect_basis,
        total_amount,
        inpatient_amount,
        cast(bed_days as integer) as bed_days
    from hospital_quarters
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

flagged_peers as (
    select
        *,
        indicator_value is not null and visit_count >= {{ var('peer_min_visits') }} as is_peer
    from indicators
),

peer_groups as (
    select
        hosp_lv,
        year_number,
        quarter_number,
        indicator,
        count(*) as peer_count,
        {{ percentile_cont('indicator_value', 0.5) }} as peer_median,
        {{ percentile_cont('indicator_value', 0.25) }} as peer_p25,
        {{ percentile_cont('indicator_value', 0.75) }} as peer_p75
    from flagged_peers
    where is_peer
    group by hosp_lv, year_number, quarter_number, indicator
),

-- MAD: the median of the peers' absolute deviations from the peer median
peer_deviations as (
    select
        flagged_peers.hosp_lv,
        flagged_peers.year_number,
        flagged_peers.quarter_number,
        flagged_peers.indicator,
        abs(flagged_peers.indicator_value - peer_groups.peer_median) as abs_deviation
    from flagged_peers
    inner join peer_groups
        on
            flagged_peers.hosp_lv = peer_groups.hosp_lv
            and flagged_peers.year_number = peer_groups.year_number
            and flagged_peers.quarter_number = peer_groups.quarter_number
            and flagged_peers.indicator = peer_groups.indicator
    where flagged_peers.is_peer
),

peer_mads as (
    select
        hosp_lv,
        year_number,
        quarter_number,
        indicator,
        {{ percentile_cont('abs_deviation', 0.5) }} as peer_mad
    from peer_deviations
    group by hosp_lv, year_number, quarter_number, indicator
),

scored as (
    select
        flagged_peers.*,
        cast(coalesce(peer_groups.peer_count, 0) as integer) as peer_count,
        peer_groups.peer_median,
        peer_groups.peer_p25,
        peer_groups.peer_p75,
        peer_mads.peer_mad,
        flagged_peers.is_peer
        and coalesce(peer_groups.peer_count, 0) >= {{ var('peer_min_members') }}
        and coalesce(peer_mads.peer_mad, 0) > 0 as is_evaluated
    from flagged_peers
    left join peer_groups
        on
            flagged_peers.hosp_lv = peer_groups.hosp_lv
            and flagged_peers.year_number = peer_groups.year_number
            and flagged_peers.quarter_number = peer_groups.quarter_number
            and flagged_peers.indicator = peer_groups.indicator
    left join peer_mads
        on
            flagged_peers.hosp_lv = peer_mads.hosp_lv
            and flagged_peers.year_number = peer_mads.year_number
            and flagged_peers.quarter_number = peer_mads.quarter_number
            and flagged_peers.indicator = peer_mads.indicator
),

final as (
    select
        fixmedins_code,
        hosp_lv,
        year_number,
        quarter_number,
        {{ year_quarter('year_number', 'quarter_number') }} as year_quarter,
        {{ quarter_start_date('year_number', 'quarter_number') }} as quarter_start_date,
        indicator,
        indicator_order,
        indicator_value,
        numerator_value,
        denominator_value,
        visit_count,
        suspect_basis,
        total_amount,
        inpatient_amount,
        bed_days,
        is_peer,
        peer_count,
        peer_median,
        peer_p25,
        peer_p75,
        peer_mad,
        is_evaluated,
        case
            when is_evaluated then (indicator_value - peer_median) / (1.4826 * peer_mad)
        end as robust_z,
        coalesce(is_evaluated and (indicator_value - peer_median) / (1.4826 * peer_mad) >= {{ var('peer_z') }}, false)
            as is_flagged
    from scored
)

select * from final
