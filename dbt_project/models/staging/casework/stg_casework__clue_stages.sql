with

deduplicated as (
    {{ latest_delivery(source('casework', 'case_clue'), ['clue_id', 'stage', 'stage_date']) }}
),

final as (
    select
        clue_id,
        stage,
        stage_date,
        confirmed_amt,
        handler,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
