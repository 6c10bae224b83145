with

deduplicated as (
    {{ latest_delivery(source('casework', 'case_inspection'), ['insp_id']) }}
),

final as (
    select
        insp_id,
        fixmedins_code,
        insp_date,
        insp_type,
        has_problem,
        refused_amt,
        recovered_amt,
        penalty_amt,
        action,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
