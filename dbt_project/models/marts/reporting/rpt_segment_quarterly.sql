{#- Quarter × county (admdvs) × institution class × public/private: coverage, screening, clues,
    enforcement and tip-offs, with the previous quarter's values (docs: rpt_segment_quarterly). -#}
with

institutions as (
    select * from {{ ref('dim_institution') }}
),

agreements as (
    select * from {{ ref('dim_institution_agreement') }}
),

inspections as (
    select * from {{ ref('fct_inspection') }}
),

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

clues as (
    select * from {{ ref('mart_clues') }}
),

tipoffs as (
    select * from {{ ref('fct_tipoff') }}
),

quarters as (
    select * from {{ ref('rpt_quarters') }}
),

divisions as (
    select * from {{ ref('code_admdvs') }}
),

segments as (
    select
        fixmedins_code,
        coalesce(admdvs, 'UNKNOWN') as admdvs,
        case
            when fixmedins_type = '2' then 'pharmacy'
            when hosp_lv in ('1', '2', '3') then {{ dbt.concat(["'hospital_l'", 'hosp_lv']) }}
            else 'clinic'
        end as institution_class,
        case when econ_type = '1' then 'public' when econ_type = '2' then 'private' else 'unknown' end
            as ownership
    from institutions
),

-- 定点机构数: an institution counts in a quarter when it held a designation agreement on at least one
-- day of it: a day covered by a 正常 (1) or 暂停 (2) row and by no 解除 (3) row (bounds inclusive, a
-- missing enddate open-ended). If such a day exists, one of these candidates is one: the first day of a
-- 1/2 row inside the quarter, or the day after a 3 row ends.
candidate_days as (
    select
        agreements.fixmedins_code,
        quarters.year_number,
        quarters.quarter_number,
        greatest(agreements.begndate, quarters.quarter_start_date) as candidate_day
    from agreements
    inner join quarters
        on
            agreements.begndate <= quarters.quarter_end_date
            and (agreements.enddate is null or agreements.enddate >= quarters.quarter_start_date)
    where agreements.agreement_status in ('1', '2')

    union all

    select
        agreements.fixmedins_code,
        quarters.year_number,
        quarters.quarter_number,
        cast({{ dbt.dateadd('day', 1, 'agreements.enddate') }} as date) as candidate_day
    from agreements
    inner join quarters
        on
            agreements.enddate >= cast({{ dbt.dateadd('day', -1, 'quarters.quarter_start_date') }} as date)
            and agreements.enddate < quarters.quarter_end_date
    where agreements.agreement_status = '3'
),

candidate_coverage as (
    select
        candidate_days.fixmedins_code,
        candidate_days.year_number,
        candidate_days.quarter_number,
        candidate_days.candidate_day,
        max(case when agreements.agreement_status in ('1', '2') then 1 else 0 end) as is_held,
        max(case when agreements.agreement_status = '3' then 1 else 0 end) as is_terminated
    from candidate_days
    left join agreements
        on
            candidate_days.fixmedins_code = agreements.fixmedins_code
            and candidate_days.candidate_day >= agreements.begndate
            and (agreements.enddate is null or candidate_days.candidate_day <= agreements.enddate)
    group by
        candidate_days.fixmedins_code,
        candidate_days.year_number,
        candidate_days.quarter_number,
        candidate_days.candidate_day
),

designated as (
    select distinct
        fixmedins_code,
        year_number,
        quarter_number
    from candidate_coverage
    where is_held = 1 and is_terminated = 0
),

-- one row per fact, keyed by institution and quarter; the measures a branch does not carry are 0
{%- set measures = [
    'is_designated', 'inspection_count', 'problem_inspection_count', 'refused_amount', 'recovered_amount',
    'penalty_amount', 'action_1_count', 'action_2_count', 'action_3_count', 'action_4_count',
    'action_5_count', 'action_6_count', 'hit_count', 'suspect_amount', 'clue_count', 'clue_unhandled_count',
    'clue_stage_1_count', 'clue_stage_2_count', 'clue_stage_3_count', 'clue_stage_4_count',
    'clue_stage_5_count', 'clue_stage_9_count', 'clue_closed_count', 'confirmed_amount', 'major_case_count',
    'major_case_on_time_count', 'tipoff_count', 'tipoff_verified_count', 'tipoff_rewarded_count',
    'reward_amount',
] %}
{%- set action_list = dbt.concat(["';'", "replace(coalesce(inspections.action, ''), ' ', '')", "';'"]) %}
{%- set branches = [
    {
        'from': 'designated',
        'code': 'designated.fixmedins_code',
        'year': 'designated.year_number',
        'quarter': 'designated.quarter_number',
        'values': {'is_designated': '1'},
    },
    {
        'from': 'inspections',
        'code': 'inspections.fixmedins_code',
        'year': 'cast(extract(year from inspections.insp_date) as integer)',
        'quarter': 'cast(extract(quarter from inspections.insp_date) as integer)',
        'values': {
            'inspection_count': '1',
            'problem_inspection_count': "case when inspections.has_problem = '1' then 1 else 0 end",
            'refused_amount': 'coalesce(inspections.refused_amt, 0)',
            'recovered_amount': 'coalesce(inspections.recovered_amt, 0)',
            'penalty_amount': 'coalesce(inspections.penalty_amt, 0)',
            'action_1_count': 'case when ' ~ action_list ~ " like '%;1;%' then 1 else 0 end",
            'action_2_count': 'case when ' ~ action_list ~ " like '%;2;%' then 1 else 0 end",
            'action_3_count': 'case when ' ~ action_list ~ " like '%;3;%' then 1 else 0 end",
            'action_4_count': 'case when ' ~ action_list ~ " like '%;4;%' then 1 else 0 end",
            'action_5_count': 'case when ' ~ action_list ~ " like '%;5;%' then 1 else 0 end",
            'action_6_count': 'case when ' ~ action_list ~ " like '%;6;%' then 1 else 0 end",
        },
    },
    {
        'from': 'hits',
        'code': 'hits.fixmedins_code',
        'year': 'cast(extract(year from hits.occurred_on) as integer)',
        'quarter': 'cast(extract(quarter from hits.occurred_on) as integer)',
        'values': {'hit_count': '1', 'suspect_amount': 'hits.suspect_amount'},
    },
    {
        'from': 'clues',
        'code': 'clues.fixmedins_code',
        'year': 'clues.year_number',
        'quarter': 'clues.quarter_number',
        'values': {
            'clue_count': '1',
            'clue_unhandled_count': 'case when clues.latest_stage is null then 1 else 0 end',
            'clue_stage_1_count': "case when clues.latest_stage = '1' then 1 else 0 end",
            'clue_stage_2_count': "case when clues.latest_stage = '2' then 1 else 0 end",
            'clue_stage_3_count': "case when clues.latest_stage = '3' then 1 else 0 end",
            'clue_stage_4_count': "case when clues.latest_stage = '4' then 1 else 0 end",
            'clue_stage_5_count': "case when clues.latest_stage = '5' then 1 else 0 end",
            'clue_stage_9_count': "case when clues.latest_stage = '9' then 1 else 0 end",
            'clue_closed_count': 'case when clues.is_closed then 1 else 0 end',
            'confirmed_amount': 'coalesce(clues.confirmed_amount, 0)',
            'major_case_count': 'case when clues.must_report then 1 else 0 end',
            'major_case_on_time_count': 'case when clues.is_reported_on_time then 1 else 0 end',
        },
    },
    {
        'from': 'tipoffs',
        'code': 'tipoffs.fixmedins_code',
        'year': 'cast(extract(year from tipoffs.received_date) as integer)',
        'quarter': 'cast(extract(quarter from tipoffs.received_date) as integer)',
        'values': {
            'tipoff_count': '1',
            'tipoff_verified_count': "case when tipoffs.verified = '1' then 1 else 0 end",
            'tipoff_rewarded_count': "case when tipoffs.verified = '1' and tipoffs.reward_paid_date is not null"
                ~ ' then 1 else 0 end',
            'reward_amount': "case when tipoffs.verified = '1' and tipoffs.reward_paid_date is not null"
                ~ ' then coalesce(tipoffs.reward_amt, 0) else 0 end',
        },
    },
] %}
facts as (
    {%- for branch in branches %}
    select
        {{ branch['code'] }} as fixmedins_code,
        {{ branch['year'] }} as year_number,
        {{ branch['quarter'] }} as quarter_number,
        -- noqa: disable=LT02
        {%- for m in measures %}
        {{ branch['values'].get(m, '0') }} as {{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from {{ branch['from'] }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

-- per institution and quarter (an institution is "inspected" / "with hits" once per quarter)
institution_quarters as (
    select
        fixmedins_code,
        year_number,
        quarter_number,
        max(is_designated) as is_designated,
        case when sum(inspection_count) > 0 then 1 else 0 end as is_inspected,
        case when sum(inspection_count) > 0 and max(is_designated) = 1 then 1 else 0 end as is_inspected_designated,
        case when sum(hit_count) > 0 then 1 else 0 end as has_hits,
        sum(inspection_count) as inspection_count,
        sum(problem_inspection_count) as problem_inspection_count,
        sum(refused_amount) as refused_amount,
        sum(recovered_amount) as recovered_amount,
        sum(penalty_amount) as penalty_amount,
        {%- for code in ['1', '2', '3', '4', '5', '6'] %}
        sum(action_{{ code }}_count) as action_{{ code }}_count,
        {%- endfor %}
        sum(hit_count) as hit_count,
        sum(suspect_amount) as suspect_amount,
        sum(clue_count) as clue_count,
        sum(clue_unhandled_count) as clue_unhandled_count,
        {%- for code in ['1', '2', '3', '4', '5', '9'] %}
        sum(clue_stage_{{ code }}_count) as clue_stage_{{ code }}_count,
        {%- endfor %}
        sum(clue_closed_count) as clue_closed_count,
        sum(confirmed_amount) as confirmed_amount,
        sum(major_case_count) as major_case_count,
        sum(major_case_on_time_count) as major_case_on_time_count,
        sum(tipoff_count) as tipoff_count,
        sum(tipoff_verified_count) as tipoff_verified_count,
        sum(tipoff_rewarded_count) as tipoff_rewarded_count,
        sum(reward_amount) as reward_amount
    from facts
    group by fixmedins_code, year_number, quarter_number
),

segment_quarters as (
    select
        institution_quarters.year_number,
        institution_quarters.quarter_number,
        coalesce(segments.admdvs, 'UNKNOWN') as admdvs,
        coalesce(segments.institution_class, 'unknown') as institution_class,
        coalesce(segments.ownership, 'unknown') as ownership,
        sum(institution_quarters.is_designated) as institution_count,
        sum(institution_quarters.is_inspected) as inspected_institution_count,
        sum(institution_quarters.is_inspected_designated) as inspected_designated_institution_count,
        sum(institution_quarters.has_hits) as hit_institution_count,
        sum(institution_quarters.inspection_count) as inspection_count,
        sum(institution_quarters.problem_inspection_count) as problem_inspection_count,
        sum(institution_quarters.refused_amount) as refused_amount,
        sum(institution_quarters.recovered_amount) as recovered_amount,
        sum(institution_quarters.penalty_amount) as penalty_amount,
        {%- for code in ['1', '2', '3', '4', '5', '6'] %}
        sum(institution_quarters.action_{{ code }}_count) as action_{{ code }}_count,
        {%- endfor %}
        sum(institution_quarters.hit_count) as hit_count,
        sum(institution_quarters.suspect_amount) as suspect_amount,
        sum(institution_quarters.clue_count) as clue_count,
        sum(institution_quarters.clue_unhandled_count) as clue_unhandled_count,
        {%- for code in ['1', '2', '3', '4', '5', '9'] %}
        sum(institution_quarters.clue_stage_{{ code }}_count) as clue_stage_{{ code }}_count,
        {%- endfor %}
        sum(institution_quarters.clue_closed_count) as clue_closed_count,
        sum(institution_quarters.confirmed_amount) as confirmed_amount,
        sum(institution_quarters.major_case_count) as major_case_count,
        sum(institution_quarters.major_case_on_time_count) as major_case_on_time_count,
        sum(institution_quarters.tipoff_count) as tipoff_count,
        sum(institution_quarters.tipoff_verified_count) as tipoff_verified_count,
        sum(institution_quarters.tipoff_rewarded_count) as tipoff_rewarded_count,
        sum(institution_quarters.reward_amount) as reward_amount
    from institution_quarters
    inner join quarters
        on
            institution_quarters.year_number = quarters.year_number
            and institution_quarters.quarter_number = quarters.quarter_number
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
        {%- for col in ['institution_count', 'inspected_institution_count',
                        'inspected_designated_institution_count', 'hit_institution_count',
                        'inspection_count', 'problem_inspection_count', 'action_1_count',
                        'action_2_count', 'action_3_count', 'action_4_count', 'action_5_count',
                        'action_6_count', 'hit_count', 'clue_count',
                        'clue_unhandled_count', 'clue_stage_1_count', 'clue_stage_2_count',
                        'clue_stage_3_count', 'clue_stage_4_count', 'clue_stage_5_count',
                        'clue_stage_9_count', 'clue_closed_count', 'major_case_count',
                        'major_case_on_time_count', 'tipoff_count', 'tipoff_verified_count',
                        'tipoff_rewarded_count'] %}
        cast(cur.{{ col }} as bigint) as {{ col }},
        {%- endfor %}
        {%- for col in ['suspect_amount', 'confirmed_amount', 'refused_amount', 'recovered_amount',
                        'penalty_amount', 'reward_amount'] %}
        {{ money('cur.' ~ col) }} as {{ col }},
        {%- endfor %}
        {%- for col in ['institution_count', 'inspected_institution_count',
                        'inspected_designated_institution_count', 'hit_institution_count',
                        'hit_count', 'clue_count', 'clue_closed_count', 'tipoff_count'] %}
        cast(prev.{{ col }} as bigint) as prev_{{ col }},
        {%- endfor %}
        {%- for col in ['suspect_amount', 'confirmed_amount', 'recovered_amount'] %}
        {{ money('prev.' ~ col) }} as prev_{{ col }},
        {%- endfor %}
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
