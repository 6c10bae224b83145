{#-
    stage_fee_lines(relation)

    The staging of fee lines (stg_platform__fee_lines): the latest delivery of each feedetl_sn
    (DATA_CONTRACT.md §1) with the fee date. Written once here because two models stage fee lines:
    the staging view over all of raw.fee_list, and fct_fee_line's incremental path on DuckDB over
    just the raw rows of the lines it rebuilds — DuckDB cannot push a key filter through the
    window that picks the latest delivery, so the filter has to come before it.
-#}
{% macro stage_fee_lines(relation) -%}
with

deduplicated as (
    {{ latest_delivery(relation, ['feedetl_sn']) }}
),

final as (
    select
        feedetl_sn,
        mdtrt_id,
        setl_id,
        psn_no,
        fixmedins_code,
        fee_ocur_time,
        cast(fee_ocur_time as date) as fee_date,
        hilist_code,
        hilist_name,
        medins_list_code,
        list_type,
        med_chrgitm_type,
        cnt,
        pric,
        det_item_fee_sumamt,
        pric_uplmt_amt,
        bilg_dept_codg,
        bilg_dr_code,
        drord_no,
        init_feedetl_sn,
        drug_trac_codg,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final
{%- endmacro %}
