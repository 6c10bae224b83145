with

stages as (
    select * from {{ ref('stg_casework__clue_stages') }}
),

stage_names as (
    select * from {{ ref('code_clue_stage') }}
),

final as (
    select
        {{ surrogate_key(['stages.clue_id', 'stages.stage', 'stages.stage_date']) }} as clue_stage_key,
        stages.clue_id,
        stages.stage,
        stage_names.name_zh as stage_name,
        stages.stage_date,
        {{ money('stages.confirmed_amt') }} as confirmed_amt,
        stages.handler,
        stages._file as source_file,
        stages._line as source_line,
        stages._period as source_period
    from stages
    left join stage_names
        on stages.stage = stage_names.code
)

select * from final
