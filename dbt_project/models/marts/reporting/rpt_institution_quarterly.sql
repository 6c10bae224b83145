{#- Quarter × institution with rule hits, ranked by suspect amount within the quarter
    (docs: rpt_institution_quarterly; the report's top-10 sheet). -#}
with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

clues as (
    select * from {{ ref('mart_clues') }}
),

institution_quarters as (
    select
        fixmedins_code,
        cast(extract(year from occurred_on) as integer) as year_number,
        cast(extract(quarter from occurred_on) as integer) as quarter_number,
        count(*) as hit_count,
        count(distinct rule_code) as rule_count,
        sum(suspect_amount) as suspect_amount
    from hits
    group by
        fixmedins_code,
        cast(extract(year from occurred_on) as integer),
        cast(extract(quarter from occurred_on) as integer)
),

final as (
    select
        {{ year_quarter('iq.year_number', 'iq.quarter_number') }} as year_quarter,
        iq.year_number,
        iq.quarter_number,
        {{ quarter_start_date('iq.year_number', 'iq.quarter_number') }} as quarter_start_date,
        iq.fixmedins_code,
        institutions.fixmedins_name,
        institutions.admdvs,
        institutions.admdvs_name,
        institutions.fixmedins_type_name,
        institutions.hosp_lv_name,
        institutions.econ_type_name,
        cast(iq.hit_count as bigint) as hit_count,
        cast(iq.rule_count as integer) as rule_count,
        {{ money('iq.suspect_amount') }} as suspect_amount,
        clues.clue_id,
        clues.top_rule_code,
        clues.latest_stage_name,
        clues.is_closed,
        clues.must_report,
        cast(row_number() over (
            partition by iq.year_number, iq.quarter_number
            order by iq.suspect_amount desc, iq.hit_count desc, iq.fixmedins_code asc
        ) as integer) as suspect_rank
    from institution_quarters as iq
    left join institutions
        on iq.fixmedins_code = institutions.fixmedins_code
    left join clues
        on
            iq.fixmedins_code = clues.fixmedins_code
            and iq.year_number = clues.year_number
            and iq.quarter_number = clues.quarter_number
)

select * from final
