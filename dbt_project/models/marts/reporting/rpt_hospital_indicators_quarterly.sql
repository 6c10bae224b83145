{#- Quarter × hospital × cost indicator with the peer group's level (水位): value, median, quartiles,
    MAD, robust z and whether it was evaluated / flagged (docs: rpt_hospital_indicators_quarterly; the
    report's 医疗机构费用指标（水位） sheet). Aggregates only: no person, visit or line. -#}
with

indicators as (
    select * from {{ ref('int_hospital_indicators_quarterly') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

final as (
    select
        indicators.year_quarter,
        indicators.year_number,
        indicators.quarter_number,
        indicators.quarter_start_date,
        indicators.fixmedins_code,
        institutions.fixmedins_name,
        institutions.admdvs,
        institutions.admdvs_name,
        indicators.hosp_lv,
        institutions.hosp_lv_name,
        indicators.indicator,
        cast(case indicators.indicator
            when 'drug_share' then '药占比'
            when 'exam_lab_share' then '检查检验占比'
            when 'consumable_share' then '耗材占比'
            when 'avg_ipt_cost' then '次均住院费用'
            when 'avg_los' then '平均住院日'
            when 'avg_opt_cost' then '次均门诊费用'
        end as {{ dbt.type_string() }}) as indicator_name_zh,
        cast(case
            when indicators.indicator in ('drug_share', 'exam_lab_share', 'consumable_share') then '比例'
            when indicators.indicator = 'avg_los' then '天'
            else '元'
        end as {{ dbt.type_string() }}) as indicator_unit_zh,
        indicators.indicator_order,
        cast(indicators.indicator_value as decimal(18, 4)) as indicator_value,
        cast(indicators.visit_count as integer) as visit_count,
        indicators.is_peer,
        cast(indicators.peer_count as integer) as peer_count,
        cast(indicators.peer_median as decimal(18, 4)) as peer_median,
        cast(indicators.peer_p25 as decimal(18, 4)) as peer_p25,
        cast(indicators.peer_p75 as decimal(18, 4)) as peer_p75,
        cast(indicators.peer_mad as decimal(18, 4)) as peer_mad,
        cast(indicators.robust_z as decimal(18, 4)) as robust_z,
        indicators.is_evaluated,
        indicators.is_flagged
    from indicators
    left join institutions
        on indicators.fixmedins_code = institutions.fixmedins_code
)

select * from final
