{#- One row per handling stage recorded in the case_clue feed, matched to its clue or flagged as
    unmatched with the reason (docs: supervisor_clue_stages). -#}
with

stages as (
    select * from {{ ref('fct_clue_stage') }}
),

clues as (
    select * from {{ ref('mart_clues') }}
),

unmatched as (
    select * from {{ ref('mart_clue_stages_unmatched') }}
),

final as (
    select
        stages.clue_id,
        stages.stage,
        stages.stage_name,
        stages.stage_date,
        stages.confirmed_amt,
        stages.handler,
        clues.clue_id is not null as is_matched,
        clues.fixmedins_code,
        clues.year_quarter,
        unmatched.unmatched_reason,
        unmatched.unmatched_reason_zh,
        stages.source_file as _file,
        stages.source_line as _line,
        stages.source_period as _period
    from stages
    left join clues
        on stages.clue_id = clues.clue_id
    left join unmatched
        on
            stages.clue_id = unmatched.clue_id
            and stages.stage = unmatched.stage
            and stages.stage_date = unmatched.stage_date
)

select * from final
