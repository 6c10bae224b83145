{#- One row per clue × rule (the long form of mart_clues' per-rule columns; docs: mart_clue_rules). -#}
{{ config(materialized='table') }}

with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

rules as (
    select * from {{ ref('rule_catalogue') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

history as (
    select * from {{ ref('mart_hit_history') }}
),

clue_hits as (
    select
        {{ clue_id('hits.fixmedins_code', 'hits.occurred_on') }} as clue_id,
        hits.fixmedins_code,
        cast(extract(year from hits.occurred_on) as integer) as year_number,
        cast(extract(quarter from hits.occurred_on) as integer) as quarter_number,
        hits.rule_code,
        hits.psn_no,
        hits.occurred_on,
        hits.suspect_amount,
        history.hit_status
    from hits
    left join history
        on hits.hit_id = history.hit_id
),

clue_rules as (
    select
        clue_id,
        fixmedins_code,
        year_number,
        quarter_number,
        rule_code,
        count(*) as hit_count,
        count(distinct psn_no) as person_count,
        sum(suspect_amount) as suspect_amount,
        min(occurred_on) as first_hit_on,
        max(occurred_on) as last_hit_on,
        sum(case when hit_status = 'new' then 1 else 0 end) as new_hit_count,
        sum(case when hit_status = 'persisting' then 1 else 0 end) as persisting_hit_count
    from clue_hits
    group by clue_id, fixmedins_code, year_number, quarter_number, rule_code
),

ranked as (
    select
        clue_rules.*,
        sum(clue_rules.suspect_amount) over (partition by clue_rules.clue_id) as clue_suspect_amount,
        row_number() over (
            partition by clue_rules.clue_id
            order by clue_rules.suspect_amount desc, clue_rules.hit_count desc, clue_rules.rule_code asc
        ) as rule_rank
    from clue_rules
),

final as (
    select
        ranked.clue_id,
        ranked.rule_code,
        ranked.fixmedins_code,
        institutions.fixmedins_name,
        institutions.admdvs,
        institutions.admdvs_name,
        {{ year_quarter('ranked.year_number', 'ranked.quarter_number') }} as year_quarter,
        ranked.year_number,
        ranked.quarter_number,
        {{ quarter_start_date('ranked.year_number', 'ranked.quarter_number') }} as quarter_start_date,
        rules.rule_name_zh,
        rules.category,
        rules.legal_basis,
        rules.severity,
        cast(ranked.hit_count as bigint) as hit_count,
        cast(ranked.person_count as integer) as person_count,
        {{ money('ranked.suspect_amount') }} as suspect_amount,
        cast(
            case
                when ranked.clue_suspect_amount > 0
                    then round(ranked.suspect_amount / ranked.clue_suspect_amount, 4)
            end as decimal(5, 4)
        ) as share_of_clue_amount,
        cast(ranked.rule_rank as integer) as rule_rank,
        ranked.first_hit_on,
        ranked.last_hit_on,
        cast(ranked.new_hit_count as bigint) as new_hit_count,
        cast(ranked.persisting_hit_count as bigint) as persisting_hit_count
    from ranked
    left join rules
        on ranked.rule_code = rules.rule_code
    left join institutions
        on ranked.fixmedins_code = institutions.fixmedins_code
)

select * from final
