{#- One row per rule hit × knowledge point in its evidence (kb_points): which delivered points judged
    each hit of a knowledge-driven rule (R03, R04, R10–R13, R23–R29), for per-point statistics. -#}
with

hits as (
    select
        hit_id,
        rule_code,
        evidence
    from {{ ref('fct_rule_hits') }}
    where evidence like '%"kb_points"%'
),

points as (
    {{ select_evidence_kb_points('hits') }}
),

final as (
    select distinct
        points.hit_id,
        hits.rule_code,
        points.kb_point_id
    from points
    inner join hits
        on points.hit_id = hits.hit_id
    where points.kb_point_id is not null
)

select * from final
