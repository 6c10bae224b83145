{#- On DuckDB incremental: each run rebuilds only the lines whose inputs changed since the last
    build (macros/fee_line_changes.sql says how they are found); other engines rebuild the table. -#}
{%- set incremental = target.type == 'duckdb' -%}
{%- if incremental -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ fee_line_changes() }}",
    post_hook="{{ fee_line_built_from() }}",
    meta={'replaced_log': {'columns': ['mdtrt_id'], 'date': 'fee_date'}},
) }}
{%- endif %}
-- depends_on: {{ source('platform', 'fee_list') }}

with

fee_lines as (
    {%- if incremental and is_incremental() %}
    -- the lines to rebuild, staged from their raw rows (the pre-hook found and deleted them)
    {{ stage_fee_lines(
        '(select * from ' ~ source('platform', 'fee_list') ~ ' where feedetl_sn in '
        ~ '(select feedetl_sn from fct_fee_line__rebuild))'
    ) | indent(4) }}
    {%- else %}
    select * from {{ ref('stg_platform__fee_lines') }}
    {%- endif %}
),

visits as (
    select * from {{ ref('stg_platform__visits') }}
),

institutions as (
    select * from {{ ref('stg_reference__institutions') }}
),

persons as (
    select * from {{ ref('stg_reference__persons') }}
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

flagged as (
    select
        *,
        init_feedetl_sn is not null or cnt < 0 as is_refund
    from fee_lines
),

-- the catalogue row valid on the fee date (its med_chrgitm_type is authoritative)
catalogue_rows as (
    {{ catalogue_on_date('flagged', ['feedetl_sn'], 'hilist_code', 'fee_date', 'catalogue') }}
),

refunds as (
    select
        init_feedetl_sn,
        count(*) as refund_line_count,
        sum(abs(cnt)) as refunded_cnt,
        sum(abs(det_item_fee_sumamt)) as refunded_amount
    from flagged
    where is_refund and init_feedetl_sn is not null
    group by init_feedetl_sn
),

originals as (
    select feedetl_sn
    from flagged
    where not is_refund
),

netted as (
    select
        flagged.*,
        originals.feedetl_sn is not null as has_original,
        coalesce(refunds.refund_line_count, 0) as refund_line_count,
        case when flagged.is_refund then 0 else coalesce(refunds.refunded_cnt, 0) end as refunded_cnt,
        case when flagged.is_refund then 0 else coalesce(refunds.refunded_amount, 0) end as refunded_amount
    from flagged
    left join refunds
        on flagged.feedetl_sn = refunds.init_feedetl_sn
    left join originals
        on flagged.init_feedetl_sn = originals.feedetl_sn
),

final as (
    select
        netted.feedetl_sn,
        netted.mdtrt_id,
        netted.setl_id,
        netted.psn_no,
        persons.psn_key,
        netted.fixmedins_code,
        visits.med_type,
        netted.fee_ocur_time,
        netted.fee_date,
        netted.hilist_code,
        coalesce(netted.hilist_name, catalogue_rows.catalogue_hilist_name) as hilist_name,
        netted.medins_list_code,
        coalesce(catalogue_rows.catalogue_list_type, netted.list_type) as list_type,
        netted.list_type as uploaded_list_type,
        coalesce(catalogue_rows.catalogue_med_chrgitm_type, netted.med_chrgitm_type) as med_chrgitm_type,
        netted.med_chrgitm_type as uploaded_med_chrgitm_type,
        catalogue_rows.feedetl_sn is not null as has_catalogue_row,
        catalogue_rows.catalogue_valid_from,
        catalogue_rows.catalogue_pric_uplmt_amt,
        netted.pric_uplmt_amt as uploaded_pric_uplmt_amt,
        netted.cnt,
        netted.pric,
        netted.det_item_fee_sumamt,
        netted.bilg_dept_codg,
        netted.bilg_dr_code,
        netted.drord_no,
        netted.init_feedetl_sn,
        netted.drug_trac_codg,
        netted.is_refund,
        netted.is_refund and not netted.has_original as is_orphan_refund,
        cast(netted.refund_line_count as integer) as refund_line_count,
        {{ qty('netted.refunded_cnt') }} as refunded_cnt,
        {{ money('netted.refunded_amount') }} as refunded_amount,
        {{ qty('case
            when not netted.is_refund then netted.cnt - netted.refunded_cnt
            when netted.has_original then 0
            else netted.cnt
        end') }} as net_cnt,
        {{ money('case
            when not netted.is_refund then netted.det_item_fee_sumamt - netted.refunded_amount
            when netted.has_original then 0
            else netted.det_item_fee_sumamt
        end') }} as net_amount,
        not netted.is_refund and netted.cnt - netted.refunded_cnt <= 0 as is_fully_refunded,
        coalesce(institutions.fixmedins_type = '2', visits.med_type = '41', false) as is_pharmacy_line,
        netted._file as source_file,
        netted._line as source_line
    from netted
    left join catalogue_rows
        on netted.feedetl_sn = catalogue_rows.feedetl_sn
    left join visits
        on netted.mdtrt_id = visits.mdtrt_id
    left join institutions
        on netted.fixmedins_code = institutions.fixmedins_code
    left join persons
        on netted.psn_no = persons.psn_no
)

select * from final
