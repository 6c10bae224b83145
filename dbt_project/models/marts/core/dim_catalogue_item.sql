with

items as (
    select * from {{ ref('stg_reference__catalogue_items') }}
),

list_types as (
    select * from {{ ref('code_list_type') }}
),

item_types as (
    select * from {{ ref('code_med_chrgitm_type') }}
),

final as (
    select
        {{ surrogate_key(['items.hilist_code', 'items.valid_from']) }} as catalogue_item_key,
        items.hilist_code,
        items.valid_from,
        items.valid_to,
        coalesce(items.valid_from, cast('1900-01-01' as date)) as effective_from,
        coalesce(items.valid_to, cast('9999-12-31' as date)) as effective_to,
        items.hilist_name,
        items.list_type,
        list_types.name_zh as list_type_name,
        items.chrgitm_lv,
        items.med_chrgitm_type,
        item_types.name_zh as med_chrgitm_type_name,
        items.pric_uplmt_amt,
        items.lmt_gend,
        items.lmt_age_min,
        items.lmt_age_max,
        items.lmt_dise_codes,
        items.lmt_hosp_lv_min,
        coalesce(items.lmt_ipt_only = '1', false) as lmt_ipt_only,
        items.max_daily_cnt,
        items.units_per_day,
        (
            items.lmt_gend is not null
            or items.lmt_age_min is not null
            or items.lmt_age_max is not null
            or items.lmt_dise_codes is not null
            or items.lmt_hosp_lv_min is not null
            or coalesce(items.lmt_ipt_only = '1', false)
        ) as has_payment_restriction,
        items.is_current,
        items.first_period_seen,
        items.last_period_seen
    from items
    left join list_types
        on items.list_type = list_types.code
    left join item_types
        on items.med_chrgitm_type = item_types.code
)

select * from final
