with

deduplicated as (
    {{ latest_delivery(
        source('inventory', 'inv_stocktake'),
        ['fixmedins_code', 'med_list_codg', 'invdate', 'fixmedins_bchno'],
    ) }}
),

final as (
    select
        fixmedins_code,
        med_list_codg as hilist_code,
        invdate,
        fixmedins_bchno,
        inv_cnt,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
