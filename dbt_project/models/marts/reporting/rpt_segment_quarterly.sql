{#- One row per quarter × county (admdvs) × institution class × public/private: coverage, screening,
    clues, enforcement and tip-offs summed over the segment's institutions, with the previous
    quarter's values (docs: rpt_segment_quarterly). -#}
with

institution_quarters as (
    select * from {{ ref('int_institution_quarters_joined') }}
),

segments as (
    select * from {{ ref('int_institutions_segmented') }}
),

divisions as (
    select * from {{ ref('code_admdvs') }}
),

-- an institution missing from dim_institution, or a tip-off naming none, counts in the unknown segment
segment_quarters as (
    select
        institution_quarters.year_number,
        institution_quarters.quarter_number,
        coalesce(segments.admdvs, 'UNKNOWN') as admdvs,
        coalesce(segments.institution_class, 'unknown') as institution_class,
        coalesce(segments.ownership, 'unknown') as ownership,
        sum(case when institution_quarters.is_designated then 1 else 0 end) as institution_count,
        sum(case when institution_quarters.is_inspected then 1 else 0 end) as inspected_institution_count,
        sum(
            case when institution_quarters.is_inspected and institution_quarters.is_designated then 1 else 0 end
        ) as inspected_designated_institution_count,
        sum(case when institution_quarters.has_hits then 1 else 0 end) as hit_institution_count,
        sum(institution_quarters.inspection_count) as inspection_count,
        sum(institution_quarters.problem_inspection_count) as problem_inspection_count,
        sum(institution_quarters.action_1_count) as action_1_count,
        sum(institution_quarters.action_2_count) as action_2_count,
        sum(institution_quarters.action_3_count) as action_3_count,
        sum(institution_quarters.action_4_count) as action_4_count,
        sum(institution_quarters.action_5_count) as action_5_count,
        sum(institution_quarters.action_6_count) as action_6_count,
        sum(institution_quarters.hit_count) as hit_count,
        sum(institution_quarters.clue_count) as clue_count,
        sum(institution_quarters.clue_unhandled_count) as clue_unhandled_count,
        sum(institution_quarters.clue_stage_1_count) as clue_stage_1_count,
        sum(institution_quarters.clue_stage_2_count) as clue_stage_2_count,
        sum(institution_quarters.clue_stage_3_count) as clue_stage_3_count,
        sum(institution_quarters.clue_stage_4_count) as clue_stage_4_count,
        sum(institution_quarters.clue_stage_5_count) as clue_stage_5_count,
        sum(institution_quarters.clue_stage_9_count) as clue_stage_9_count,
        sum(institution_quarters.clue_closed_count) as clue_closed_count,
        sum(institution_quarters.major_case_count) as major_case_count,
        sum(institution_quarters.major_case_on_time_count) as major_case_on_time_count,
        sum(institution_quarters.tipoff_count) as tipoff_count,
        sum(institution_quarters.tipoff_verified_count) as tipoff_verified_count,
        sum(institution_quarters.tipoff_rewarded_count) as tipoff_rewarded_count,
        sum(institution_quarters.suspect_amount) as suspect_amount,
        sum(institution_quarters.confirmed_amount) as confirmed_amount,
        sum(institution_quarters.refused_amount) as refused_amount,
        sum(institution_quarters.recovered_amount) as recovered_amount,
        sum(institution_quarters.penalty_amount) as penalty_amount,
        sum(institution_quarters.reward_amount) as reward_amount
    from institution_quarters
    left join segments
        on institution_quarters.fixmedins_code = segments.fixmedins_code
    group by
        institution_quarters.year_number,
        institution_quarters.quarter_number,
        coalesce(segments.admdvs, 'UNKNOWN'),
        coalesce(segments.institution_class, 'unknown'),
        coalesce(segments.ownership, 'unknown')
),

final as (
    select
        {{ year_quarter('cur.year_number', 'cur.quarter_number') }} as year_quarter,
        cast(cur.year_number as integer) as year_number,
        cast(cur.quarter_number as integer) as quarter_number,
        {{ quarter_start_date('cur.year_number', 'cur.quarter_number') }} as quarter_start_date,
        cur.admdvs,
        case when cur.admdvs = 'UNKNOWN' then '未知' else divisions.name_zh end as admdvs_name,
        cur.institution_class,
        case cur.institution_class
            when 'hospital_l1' then '一级医院'
            when 'hospital_l2' then '二级医院'
            when 'hospital_l3' then '三级医院'
            when 'clinic' then '诊所及其他医疗机构'
            when 'pharmacy' then '零售药店'
            else '未知'
        end as institution_class_name,
        cur.ownership,
        case cur.ownership when 'public' then '公立' when 'private' then '民营' else '未知' end as ownership_name,
        cast(cur.institution_count as bigint) as institution_count,
        cast(cur.inspected_institution_count as bigint) as inspected_institution_count,
        cast(cur.inspected_designated_institution_count as bigint) as inspected_designated_institution_count,
        cast(cur.hit_institution_count as bigint) as hit_institution_count,
        cast(cur.inspection_count as bigint) as inspection_count,
        cast(cur.problem_inspection_count as bigint) as problem_inspection_count,
        cast(cur.action_1_count as bigint) as action_1_count,
        cast(cur.action_2_count as bigint) as action_2_count,
        cast(cur.action_3_count as bigint) as action_3_count,
        cast(cur.action_4_count as bigint) as action_4_count,
        cast(cur.action_5_count as bigint) as action_5_count,
        cast(cur.action_6_count as bigint) as action_6_count,
        cast(cur.hit_count as bigint) as hit_count,
        cast(cur.clue_count as bigint) as clue_count,
        cast(cur.clue_unhandled_count as bigint) as clue_unhandled_count,
        cast(cur.clue_stage_1_count as bigint) as clue_stage_1_count,
        cast(cur.clue_stage_2_count as bigint) as clue_stage_2_count,
        cast(cur.clue_stage_3_count as bigint) as clue_stage_3_count,
        cast(cur.clue_stage_4_count as bigint) as clue_stage_4_count,
        cast(cur.clue_stage_5_count as bigint) as clue_stage_5_count,
        cast(cur.clue_stage_9_count as bigint) as clue_stage_9_count,
        cast(cur.clue_closed_count as bigint) as clue_closed_count,
        cast(cur.major_case_count as bigint) as major_case_count,
        cast(cur.major_case_on_time_count as bigint) as major_case_on_time_count,
        cast(cur.tipoff_count as bigint) as tipoff_count,
        cast(cur.tipoff_verified_count as bigint) as tipoff_verified_count,
        cast(cur.tipoff_rewarded_count as bigint) as tipoff_rewarded_count,
        {{ money('cur.suspect_amount') }} as suspect_amount,
        {{ money('cur.confirmed_amount') }} as confirmed_amount,
        {{ money('cur.refused_amount') }} as refused_amount,
        {{ money('cur.recovered_amount') }} as recovered_amount,
        {{ money('cur.penalty_amount') }} as penalty_amount,
        {{ money('cur.reward_amount') }} as reward_amount,
        cast(prev.institution_count as bigint) as prev_institution_count,
        cast(prev.inspected_institution_count as bigint) as prev_inspected_institution_count,
        cast(prev.inspected_designated_institution_count as bigint) as prev_inspected_designated_institution_count,
        cast(prev.hit_institution_count as bigint) as prev_hit_institution_count,
        cast(prev.hit_count as bigint) as prev_hit_count,
        cast(prev.clue_count as bigint) as prev_clue_count,
        cast(prev.clue_closed_count as bigint) as prev_clue_closed_count,
        cast(prev.tipoff_count as bigint) as prev_tipoff_count,
        {{ money('prev.suspect_amount') }} as prev_suspect_amount,
        {{ money('prev.confirmed_amount') }} as prev_confirmed_amount,
        {{ money('prev.recovered_amount') }} as prev_recovered_amount,
        cur.year_number * 4 + cur.quarter_number as quarter_ordinal
    from segment_quarters as cur
    left join segment_quarters as prev
        on
            cur.admdvs = prev.admdvs
            and cur.institution_class = prev.institution_class
            and cur.ownership = prev.ownership
            and cur.year_number * 4 + cur.quarter_number - 1 = prev.year_number * 4 + prev.quarter_number
    left join divisions
        on cur.admdvs = divisions.code
)

select * from final
