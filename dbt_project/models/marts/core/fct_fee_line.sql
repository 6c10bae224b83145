{#- Incremental on DuckDB (a table on Spark, where delete+insert needs Delta): a run rebuilds only the
    lines whose inputs changed since the table was built, and gives the rows a full rebuild would.
    Changed = the line's delivered row is new, re-delivered or gone ((feedetl_sn, batch) pairs on
    one side only); the line is the original of such a row or a refund pointing at one; or its
    catalogue row, visit (med_type) or institution reads differently now. Rows whose batch was
    replaced by a correction and whose key no longer exists are deleted by the post-hook. Measured
    in benchmarks/incremental.py; `dbt build --full-refresh` rebuilds everything. -#}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    unique_key='feedetl_sn',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    post_hook=[
        "{% if is_incremental() %}delete from {{ this }} where source_batch_id not in "
        ~ "(select distinct _batch_id from {{ source('platform', 'fee_list') }}){% endif %}"
    ],
) }}

with

all_fee_lines as (
    select * from {{ ref('stg_platform__fee_lines') }}
),

visits as (
    select * from {{ ref('stg_platform__visits') }}
),

institutions as (
    select * from {{ ref('stg_reference__institutions') }}
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

{% if is_incremental() %}
built as (
    select
        feedetl_sn,
        source_batch_id,
        init_feedetl_sn,
        mdtrt_id,
        fixmedins_code,
        hilist_code,
        fee_date,
        med_type,
        is_pharmacy_line,
        has_catalogue_row,
        catalogue_valid_from,
        catalogue_pric_uplmt_amt,
        catalogue_hilist_name,
        list_type,
        uploaded_list_type,
        med_chrgitm_type,
        uploaded_med_chrgitm_type
    from {{ this }}
),

-- delivered rows the table does not hold, and rows it holds that are no longer delivered
touched as (
    select
        all_fee_lines.feedetl_sn,
        all_fee_lines.init_feedetl_sn
    from all_fee_lines
    left join built
        on
            all_fee_lines.feedetl_sn = built.feedetl_sn
            and all_fee_lines._batch_id = built.source_batch_id
    where built.feedetl_sn is null
    union all
    select
        built.feedetl_sn,
        built.init_feedetl_sn
    from built
    left join all_fee_lines
        on
            built.feedetl_sn = all_fee_lines.feedetl_sn
            and built.source_batch_id = all_fee_lines._batch_id
    where all_fee_lines.feedetl_sn is null
),

built_catalogue_rows as (
    {{ catalogue_on_date('built', ['feedetl_sn'], 'hilist_code', 'fee_date', 'catalogue') }}
),

-- lines whose catalogue row, visit or institution now gives other values than when they were built
context_changed as (
    select built.feedetl_sn
    from built
    left join built_catalogue_rows
        on built.feedetl_sn = built_catalogue_rows.feedetl_sn
    left join visits
        on built.mdtrt_id = visits.mdtrt_id
    left join institutions
        on built.fixmedins_code = institutions.fixmedins_code
    where
        (built_catalogue_rows.feedetl_sn is not null) != built.has_catalogue_row
        or built_catalogue_rows.catalogue_valid_from is distinct from built.catalogue_valid_from
        or built_catalogue_rows.catalogue_pric_uplmt_amt is distinct from built.catalogue_pric_uplmt_amt
        or built_catalogue_rows.catalogue_hilist_name is distinct from built.catalogue_hilist_name
        or coalesce(built_catalogue_rows.catalogue_list_type, built.uploaded_list_type)
        is distinct from built.list_type
        or coalesce(built_catalogue_rows.catalogue_med_chrgitm_type, built.uploaded_med_chrgitm_type)
        is distinct from built.med_chrgitm_type
        or visits.med_type is distinct from built.med_type
        or coalesce(institutions.fixmedins_type = '2', visits.med_type = '41', false) != built.is_pharmacy_line
),

affected as (
    select feedetl_sn from touched
    union
    select init_feedetl_sn from touched
    where init_feedetl_sn is not null
    union
    select all_fee_lines.feedetl_sn
    from all_fee_lines
    inner join touched
        on all_fee_lines.init_feedetl_sn = touched.feedetl_sn
    union
    select feedetl_sn from context_changed
),

{% endif %}

-- every line: refunds and originals are looked up across all of them
all_flagged as (
    select
        *,
        init_feedetl_sn is not null or cnt < 0 as is_refund
    from all_fee_lines
),

-- the lines this run builds: all of them, or on an incremental run the affected ones
flagged as (
    select all_flagged.*
    from all_flagged
    {% if is_incremental() -%}
    inner join affected
        on all_flagged.feedetl_sn = affected.feedetl_sn
    {%- endif %}
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
    from all_flagged
    where is_refund and init_feedetl_sn is not null
    group by init_feedetl_sn
),

originals as (
    select feedetl_sn
    from all_flagged
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
        netted.fixmedins_code,
        visits.med_type,
        netted.fee_ocur_time,
        netted.fee_date,
        netted.hilist_code,
        coalesce(netted.hilist_name, catalogue_rows.catalogue_hilist_name) as hilist_name,
        catalogue_rows.catalogue_hilist_name,
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
        netted._line as source_line,
        netted._batch_id as source_batch_id
    from netted
    left join catalogue_rows
        on netted.feedetl_sn = catalogue_rows.feedetl_sn
    left join visits
        on netted.mdtrt_id = visits.mdtrt_id
    left join institutions
        on netted.fixmedins_code = institutions.fixmedins_code
)

select * from final
