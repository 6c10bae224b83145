with

points as (
    select * from {{ ref('stg_reference__kb_points') }}
    where is_current
),

sources as (
    select * from {{ ref('code_kb_source') }}
),

final as (
    select
        points.kb_point_id,
        points.rule_code,
        points.national_rule_code,
        points.rule_name,
        points.source,
        sources.name_zh as origin_name,
        points.batch,
        points.item_name,
        points.condition_text,
        points.logic_text,
        coalesce(points.result_level, '1') as result_level,
        points.lmt_gend,
        points.lmt_age_min,
        points.lmt_age_max,
        points.lmt_age_max_days,
        points.lmt_med_types,
        points.lmt_hosp_lv_min,
        points.lmt_dise_codes,
        points.max_cnt,
        points.period,
        points.period_days,
        points.min_interval_days,
        points.max_days,
        points.course_scope,
        cast(points.max_amount as decimal(18, 2)) as max_amount,
        points.herb_mode,
        coalesce(points.pair_scope, 'day') as pair_scope,
        coalesce(points.valid_from, cast('1900-01-01' as date)) as valid_from,
        coalesce(points.valid_to, cast('9999-12-31' as date)) as valid_to,
        points.first_period_seen,
        points.last_period_seen
    from points
    left join sources
        on points.source = sources.code
)

select * from final
