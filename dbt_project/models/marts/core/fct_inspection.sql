with

inspections as (
    select * from {{ ref('stg_casework__inspections') }}
),

inspection_types as (
    select * from {{ ref('code_insp_type') }}
),

-- the delivered action list ("1;4") without spaces and fenced by ';', so ';4;' matches code 4 alone
action_lists as (
    select
        *,
        {{ dbt.concat(["';'", "replace(coalesce(action, ''), ' ', '')", "';'"]) }} as action_list
    from inspections
),

final as (
    select
        action_lists.insp_id,
        action_lists.fixmedins_code,
        action_lists.insp_date,
        action_lists.insp_type,
        inspection_types.name_zh as insp_type_name,
        action_lists.has_problem,
        coalesce(action_lists.has_problem = '1', false) as is_problem_found,
        {{ money('action_lists.refused_amt') }} as refused_amt,
        {{ money('action_lists.recovered_amt') }} as recovered_amt,
        {{ money('action_lists.penalty_amt') }} as penalty_amt,
        action_lists.action,
        {%- for code in ['1', '2', '3', '4', '5', '6'] %}
        action_lists.action_list like '%;{{ code }};%' as has_action_{{ code }},
        {%- endfor %}
        action_lists._file as source_file,
        action_lists._line as source_line
    from action_lists
    left join inspection_types
        on action_lists.insp_type = inspection_types.code
)

select * from final
