{#- One row per handling stage recorded in the case_clue feed, matched to its clue or flagged as
    unmatched with the reason (docs: supervisor_clue_stages). -#}
with

stages as (
    select * from {{ ref('stg_casework__clue_stages') }}
),

clues as (
    select * from {{ ref('mart_clues') }}
),

unmatched as (
    select * from {{ ref('mart_clue_stages_unmatched') }}
),

stage_names as (
    select * from {{ ref('code_clue_stage') }}
),

final as (
    select
        stages.clue_id,
        stages.stage,
        stage_names.name_zh as stage_name,
        stages.stage_date,
        {{ money('stages.confirmed_amt') }} as confirmed_amt,
        stages.handler,
        clues.clue_id is not null as is_matched,
        clues.fixmedins_code,
        clues.year_quarter,
        unmatched.unmatched_reason,
        unmatched.unmatched_reason_zh,
        stages._file,
        stages._line,
        stages._period
    from stages
    left join clues
        on stages.clue_id = clues.clue_id
    left join unmatched
        on
            stages.clue_id = unmatched.clue_id
            and stages.stage = unmatched.stage
            and stages.stage_date = unmatched.stage_date
    left join stage_names
        on stages.stage = stage_names.code
)

select * from final
