{#- One row per quarter: the segments summed, the "5个100%" rates that have a source in the data
    contract, and the previous quarter's value of every measure and rate (docs: rpt_quarter_summary). -#}
{%- set sum_cols = [
    'institution_count', 'inspected_institution_count', 'inspected_designated_institution_count',
    'hit_institution_count', 'inspection_count',
    'problem_inspection_count', 'action_1_count', 'action_2_count', 'action_3_count', 'action_4_count',
    'action_5_count', 'action_6_count', 'hit_count', 'clue_count', 'clue_unhandled_count',
    'clue_stage_1_count', 'clue_stage_2_count', 'clue_stage_3_count', 'clue_stage_4_count',
    'clue_stage_5_count', 'clue_stage_9_count', 'clue_closed_count', 'major_case_count',
    'major_case_on_time_count', 'tipoff_count', 'tipoff_verified_count', 'tipoff_rewarded_count',
    'suspect_amount', 'confirmed_amount', 'refused_amount', 'recovered_amount', 'penalty_amount',
    'reward_amount',
] %}
{#- a share as decimal(9,4), null when the denominator is 0 or null; each also for the previous
    quarter (prev_<rate>) -#}
{%- set rates = [
    ('inspection_rate', '{t}.inspected_designated_institution_count', '{t}.institution_count'),
    ('clue_close_rate', '{t}.clue_closed_count', '{t}.clue_count'),
    ('clue_first_review_rate', '{t}.clue_count - {t}.clue_unhandled_count', '{t}.clue_count'),
    ('reward_payout_rate', '{t}.tipoff_rewarded_count', '{t}.tipoff_verified_count'),
    ('major_case_on_time_rate', '{t}.major_case_on_time_count', '{t}.major_case_count'),
] %}

with

segments as (
    select * from {{ ref('rpt_segment_quarterly') }}
),

summed as (
    select
        year_quarter,
        year_number,
        quarter_number,
        quarter_ordinal,
        {%- for col in sum_cols %}
        sum({{ col }}) as {{ col }},
        {%- endfor %}
        count(*) as segment_count
    from segments
    group by year_quarter, year_number, quarter_number, quarter_ordinal
),

final as (
    select
        cur.year_quarter,
        cur.year_number,
        cur.quarter_number,
        {{ quarter_start_date('cur.year_number', 'cur.quarter_number') }} as quarter_start_date,
        cur.quarter_ordinal,
        {%- for col in sum_cols %}
        {%- if col.endswith('_amount') %}
        {{ money('cur.' ~ col) }} as {{ col }},
        {%- else %}
        cast(cur.{{ col }} as bigint) as {{ col }},
        {%- endif %}
        {%- endfor %}
        {%- for col in sum_cols %}
        {%- if col.endswith('_amount') %}
        {{ money('prev.' ~ col) }} as prev_{{ col }},
        {%- else %}
        cast(prev.{{ col }} as bigint) as prev_{{ col }},
        {%- endif %}
        {%- endfor %}
        -- noqa: disable=LT02
        {%- for t, prefix in [('cur', ''), ('prev', 'prev_')] %}
        {%- set outer = loop %}
        {%- for name, numerator, denominator in rates %}
        {%- set num = numerator.replace('{t}', t) %}
        {%- set den = denominator.replace('{t}', t) %}
        case
            when coalesce({{ den }}, 0) > 0
                then cast(round(1.0 * ({{ num }}) / ({{ den }}), 4) as decimal(9, 4))
        end as {{ prefix ~ name }}{{ ',' if not (loop.last and outer.last) }}
        {%- endfor %}
        {%- endfor %}
    -- noqa: enable=LT02
    from summed as cur
    left join summed as prev
        on cur.quarter_ordinal - 1 = prev.quarter_ordinal
)

select * from final
