{#- One row per institution × quarter with a clue (mart_clues has one): its handling state and
    要情报告 duty as counts that add up over institutions. -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

final as (
    select
        fixmedins_code,
        year_number,
        quarter_number,
        count(*) as clue_count,
        sum(case when latest_stage is null then 1 else 0 end) as clue_unhandled_count,
        {%- for code in ['1', '2', '3', '4', '5', '9'] %}
        sum(case when latest_stage = '{{ code }}' then 1 else 0 end) as clue_stage_{{ code }}_count,
        {%- endfor %}
        sum(case when is_closed then 1 else 0 end) as clue_closed_count,
        sum(coalesce(confirmed_amount, 0)) as confirmed_amount,
        sum(case when must_report then 1 else 0 end) as major_case_count,
        sum(case when is_reported_on_time then 1 else 0 end) as major_case_on_time_count
    from clues
    group by fixmedins_code, year_number, quarter_number
)

select * from final
