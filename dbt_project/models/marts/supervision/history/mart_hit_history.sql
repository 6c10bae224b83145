{#- One row per hit ever seen by a run, with its status in the latest run (docs: mart_hit_history). -#}
{{ config(materialized='table') }}

with

runs as (
    select * from {{ ref('fct_hit_runs') }}
),

changes as (
    select * from {{ ref('fct_hit_changes') }}
),

statuses as (
    select * from {{ ref('code_hit_status') }}
),

numbered_runs as (
    select
        run_id,
        run_started_at,
        row_number() over (order by run_started_at, run_id) as run_seq
    from runs
),

latest_run as (
    select max(run_seq) as latest_seq
    from numbered_runs
),

-- appearances and resolutions in run order; a hit is present from an appearance up to, not
-- including, the run of the next resolution
boundaries as (
    select
        changes.hit_id,
        changes.change_type,
        numbered_runs.run_seq,
        lead(numbered_runs.run_seq) over (
            partition by changes.hit_id
            order by numbered_runs.run_seq
        ) as next_seq
    from changes
    inner join numbered_runs
        on changes.run_id = numbered_runs.run_id
    where changes.change_type in ('appeared', 'resolved')
),

spells as (
    select
        boundaries.hit_id,
        boundaries.run_seq as from_seq,
        boundaries.next_seq as resolved_seq,
        coalesce(boundaries.next_seq, latest_run.latest_seq + 1) - boundaries.run_seq as spell_runs,
        row_number() over (
            partition by boundaries.hit_id
            order by boundaries.run_seq desc
        ) as spell_rank
    from boundaries
    cross join latest_run
    where boundaries.change_type = 'appeared'
),

hit_spans as (
    select
        hit_id,
        min(from_seq) as first_seq,
        sum(spell_runs) as run_count
    from spells
    group by hit_id
),

last_spells as (
    select
        hit_id,
        resolved_seq,
        from_seq + spell_runs - 1 as last_seen_seq
    from spells
    where spell_rank = 1
),

-- the description the log holds last (a resolved hit: as it was when last seen)
described as (
    select
        changes.hit_id,
        changes.rule_code,
        changes.fixmedins_code,
        changes.occurred_on,
        changes.suspect_amount,
        changes.result_level,
        row_number() over (
            partition by changes.hit_id
            order by numbered_runs.run_seq desc
        ) as change_rank
    from changes
    inner join numbered_runs
        on changes.run_id = numbered_runs.run_id
),

classified as (
    select
        hit_spans.hit_id,
        hit_spans.first_seq,
        hit_spans.run_count,
        last_spells.last_seen_seq,
        last_spells.resolved_seq,
        case
            when last_spells.resolved_seq is not null then 'resolved'
            when hit_spans.first_seq = latest_run.latest_seq then 'new'
            else 'persisting'
        end as hit_status
    from hit_spans
    inner join last_spells
        on hit_spans.hit_id = last_spells.hit_id
    cross join latest_run
),

final as (
    select
        classified.hit_id,
        {{ clue_id('described.fixmedins_code', 'described.occurred_on') }} as clue_id,
        described.rule_code,
        described.fixmedins_code,
        described.occurred_on,
        described.suspect_amount,
        described.result_level,
        cast(classified.hit_status as {{ dbt.type_string() }}) as hit_status,
        statuses.name_zh as hit_status_name,
        first_runs.run_id as first_run_id,
        first_runs.run_started_at as first_run_at,
        last_runs.run_id as last_run_id,
        last_runs.run_started_at as last_run_at,
        cast(classified.run_count as integer) as run_count,
        resolved_runs.run_id as resolved_run_id,
        resolved_runs.run_started_at as resolved_at
    from classified
    inner join described
        on
            classified.hit_id = described.hit_id
            and described.change_rank = 1
    inner join numbered_runs as first_runs
        on classified.first_seq = first_runs.run_seq
    inner join numbered_runs as last_runs
        on classified.last_seen_seq = last_runs.run_seq
    left join numbered_runs as resolved_runs
        on classified.resolved_seq = resolved_runs.run_seq
    left join statuses
        on classified.hit_status = statuses.code
)

select * from final
