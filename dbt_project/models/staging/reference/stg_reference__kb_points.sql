with

deduplicated as (
    {{ latest_delivery(source('reference', 'kb_point'), ['kb_point_id'], snapshot=true) }}
),

final as (
    select
        kb_point_id,
        rule_code,
        national_rule_code,
        rule_name,
        source,
        batch,
        item_name,
        condition_text,
        logic_text,
        result_level,
        lmt_gend,
        lmt_age_min,
        lmt_age_max,
        lmt_age_max_days,
        {{ code_list('lmt_med_types') }} as lmt_med_types,
        lmt_hosp_lv_min,
        {{ code_list('lmt_dise_codes', upper=true, strip_dots=true) }} as lmt_dise_codes,
        max_cnt,
        period,
        period_days,
        min_interval_days,
        max_days,
        course_scope,
        max_amount,
        herb_mode,
        pair_scope,
        valid_from,
        valid_to,
        last_period_seen = _newest_period as is_current,
        first_period_seen,
        last_period_seen,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
