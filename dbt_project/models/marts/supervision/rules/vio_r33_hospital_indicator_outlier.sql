{#- R33: a hospital's quarterly indicator (drug / exam-lab / consumable share, average cost per
    stay, average length of stay, average cost per outpatient visit) whose robust z against its peer
    group (same hosp_lv and quarter, ≥ peer_min_visits visits of the indicator's kind, ≥ peer_min_members
    peers, MAD > 0) is ≥ peer_z. Indicators and peer statistics: int_hospital_indicators_quarterly. -#}
with

indicators as (
    select * from {{ ref('int_hospital_indicators_quarterly') }}
),

flagged as (
    select * from indicators
    where is_flagged
),

-- the peers each hit was measured against (the hospital itself included)
peer_lists as (
    select
        flagged.fixmedins_code,
        flagged.year_number,
        flagged.quarter_number,
        flagged.indicator,
        {{ json_array_agg(
            json_object([
                ['fixmedins_code', 'peers.fixmedins_code'],
                ['value', 'round(peers.indicator_value, 6)'],
                ['visits', 'peers.visit_count'],
            ]),
            'peers.fixmedins_code',
        ) }} as peers
    from flagged
    inner join indicators as peers
        on
            flagged.hosp_lv = peers.hosp_lv
            and flagged.year_number = peers.year_number
            and flagged.quarter_number = peers.quarter_number
            and flagged.indicator = peers.indicator
    where peers.is_peer
    group by flagged.fixmedins_code, flagged.year_number, flagged.quarter_number, flagged.indicator
),

hits as (
    select
        flagged.*,
        peer_lists.peers
    from flagged
    inner join peer_lists
        on
            flagged.fixmedins_code = peer_lists.fixmedins_code
            and flagged.year_number = peer_lists.year_number
            and flagged.quarter_number = peer_lists.quarter_number
            and flagged.indicator = peer_lists.indicator
),

final as (
    select
        cast('R33' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R33', ['fixmedins_code', 'year_quarter', 'indicator']) }} as hit_id,
        fixmedins_code,
        cast(null as {{ dbt.type_string() }}) as psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        cast(null as {{ dbt.type_string() }}) as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        quarter_start_date as occurred_on,
        {{ money('(indicator_value - peer_median) * suspect_basis') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['indicator', 'indicator'],
            ['quarter', 'year_quarter'],
            ['hosp_lv', 'hosp_lv'],
            ['value', 'round(indicator_value, 6)'],
            ['numerator', 'round(numerator_value, 2)'],
            ['denominator', 'round(denominator_value, 2)'],
            ['visits', 'visit_count'],
            ['peer_median', 'round(peer_median, 6)'],
            ['peer_mad', 'round(peer_mad, 6)'],
            ['robust_z', 'round(robust_z, 4)'],
            ['peer_count', 'peer_count'],
            ['peers', 'peers'],
            ['suspect_basis', 'round(suspect_basis, 2)'],
            ['peer_min_visits', var('peer_min_visits')],
            ['peer_min_members', var('peer_min_members')],
            ['peer_z', var('peer_z')],
        ])) }} as evidence,
        {{ catalogue_result_level('R33') }} as result_level
    from hits
)

select * from final
