with

deduplicated as (
    {{ latest_delivery(source('reference', 'hilist'), ['hilist_code', 'valid_from'], snapshot=true) }}
),

final as (
    select
        hilist_code,
        valid_from,
        valid_to,
        hilist_name,
        list_type,
        chrgitm_lv,
        med_chrgitm_type,
        pric_uplmt_amt,
        lmt_gend,
        lmt_age_min,
        lmt_age_max,
        lmt_dise_codes,
        lmt_hosp_lv_min,
        lmt_ipt_only,
        max_daily_cnt,
        units_per_day,
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
