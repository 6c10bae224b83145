{#- The contract gives inv_change no key (identical changes may legitimately repeat), so there is
    no "latest delivery wins" here: every loaded row is a change, identified by its file line. A
    correction of a delivery replaces its whole batch in raw (the loader), so nothing doubles. -#}
with

source_rows as (
    select * from {{ source('inventory', 'inv_change') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(['_batch_id', "'|'", 'cast(_line as ' ~ dbt.type_string() ~ ')'])) }}
            as inv_change_id,
        fixmedins_code,
        med_list_codg as hilist_code,
        inv_chg_type,
        cnt,
        inv_chg_time,
        cast(inv_chg_time as date) as inv_chg_date,
        _file,
        _line,
        _batch_id,
        _period
    from source_rows
)

select * from final
