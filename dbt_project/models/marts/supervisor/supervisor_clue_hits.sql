{#- One row per rule hit with its clue, rule name, legal basis, person and evidence: the drill-down
    of supervisor_clue_list (docs: supervisor_clue_hits). Person-level: supervisors only. -#}
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

persons as (
    select * from {{ ref('dim_person') }}
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

history as (
    select * from {{ ref('mart_hit_history') }}
),

-- one display name per catalogue code: the current row, else the latest valid one
item_names as (
    select
        hilist_code,
        hilist_name
    from (
        select
            hilist_code,
            hilist_name,
            row_number() over (
                partition by hilist_code
                order by is_current desc, effective_from desc
            ) as name_rank
        from catalogue
    ) as ranked
    where name_rank = 1
),

final as (
    select
        {{ clue_id('hits.fixmedins_code', 'hits.occurred_on') }} as clue_id,
        hits.hit_id,
        hits.rule_code,
        rules.rule_name_zh,
        rules.category,
        rules.legal_basis,
        rules.severity,
        hits.fixmedins_code,
        institutions.fixmedins_name,
        hits.psn_no,
        persons.psn_name_masked,
        persons.certno_masked,
        hits.mdtrt_id,
        hits.setl_id,
        hits.feedetl_sn,
        hits.sale_sn,
        hits.hilist_code,
        item_names.hilist_name,
        hits.occurred_on,
        hits.suspect_amount,
        hits.result_level,
        case when hits.result_level = '1' then '明确违规' else '可疑' end as result_level_name,
        hits.evidence,
        history.hit_status,
        history.hit_status_name,
        history.first_run_at
    from hits
    left join rules
        on hits.rule_code = rules.rule_code
    left join institutions
        on hits.fixmedins_code = institutions.fixmedins_code
    left join persons
        on hits.psn_no = persons.psn_no
    left join item_names
        on hits.hilist_code = item_names.hilist_code
    left join history
        on hits.hit_id = history.hit_id
)

select * from final
