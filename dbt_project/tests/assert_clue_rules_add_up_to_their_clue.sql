{#- mart_clue_rules is the per-rule breakdown of mart_clues: for every clue, its rules' hits, new and
    persisting hits and suspect amounts add up to the clue's totals, and every clue has at least one rule row. Rows
    returned are clues where they do not. -#}
with

clues as (
    select * from {{ ref('mart_clues') }}
),

clue_rules as (
    select * from {{ ref('mart_clue_rules') }}
),

summed as (
    select
        clue_id,
        sum(hit_count) as hit_count,
        sum(suspect_amount) as suspect_amount,
        sum(new_hit_count) as new_hit_count,
        sum(persisting_hit_count) as persisting_hit_count,
        count(*) as rule_count
    from clue_rules
    group by clue_id
)

select
    clues.clue_id,
    clues.hit_count,
    summed.hit_count as rules_hit_count,
    clues.suspect_amount,
    summed.suspect_amount as rules_suspect_amount
from clues
left join summed
    on clues.clue_id = summed.clue_id
where
    summed.clue_id is null
    or clues.hit_count != summed.hit_count
    or clues.suspect_amount != summed.suspect_amount
    or clues.rule_count != summed.rule_count
    or clues.new_hit_count != summed.new_hit_count
    or clues.persisting_hit_count != summed.persisting_hit_count
