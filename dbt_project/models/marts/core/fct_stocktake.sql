with

stocktakes as (
    select * from {{ ref('stg_inventory__stocktakes') }}
),

final as (
    select
        {{ surrogate_key(['fixmedins_code', 'hilist_code', 'invdate', 'fixmedins_bchno']) }} as stocktake_id,
        fixmedins_code,
        hilist_code,
        invdate,
        fixmedins_bchno,
        inv_cnt,
        _file as source_file,
        _line as source_line
    from stocktakes
)

select * from final
