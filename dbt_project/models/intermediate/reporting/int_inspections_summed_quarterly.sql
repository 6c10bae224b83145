{#- One row per institution × calendar quarter of insp_date with at least one inspection: counts,
    money refused / recovered / fined, and inspections per action code. -#}
with

inspections as (
    select * from {{ ref('fct_inspection') }}
),

final as (
    select
        fixmedins_code,
        cast(extract(year from insp_date) as integer) as year_number,
        cast(extract(quarter from insp_date) as integer) as quarter_number,
        count(*) as inspection_count,
        sum(case when is_problem_found then 1 else 0 end) as problem_inspection_count,
        {%- for code in ['1', '2', '3', '4', '5', '6'] %}
        sum(case when has_action_{{ code }} then 1 else 0 end) as action_{{ code }}_count,
        {%- endfor %}
        sum(coalesce(refused_amt, 0)) as refused_amount,
        sum(coalesce(recovered_amt, 0)) as recovered_amount,
        sum(coalesce(penalty_amt, 0)) as penalty_amount
    from inspections
    group by
        fixmedins_code,
        cast(extract(year from insp_date) as integer),
        cast(extract(quarter from insp_date) as integer)
)

select * from final
