{#- R13: an item restricted to a hospital level or to kinds of visit, charged outside them. The
    restrictions are the catalogue row (valid on the event date) columns lmt_hosp_lv_min (the
    institution's hosp_lv lower: no hosp_lv, as at pharmacies and clinics, is below every minimum) and
    lmt_ipt_only (a visit that is not inpatient, med_type 21), and the current knowledge points of R13
    naming the item (side A), valid on the event date, with lmt_hosp_lv_min (the same test) or
    lmt_med_types (the visit's med_type not in the ';'-separated list; a pharmacy sale counts as 41, a
    line without med_type is in no list). Hospital fee lines and pharmacy sale lines from
    int_billed_lines_unioned; one row per line however many restrictions it breaks. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- read a second time for the whole rows of the few hit lines (placed_lines is read three times, so
-- DuckDB materialises it: it carries only the columns the checks need)
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

placed_lines as (
    select
        billed_lines.billed_line_key,
        billed_lines.hilist_code,
        billed_lines.occurred_on,
        billed_lines.med_type,
        billed_lines.lmt_hosp_lv_min,
        billed_lines.lmt_ipt_only,
        case institutions.hosp_lv
            when '1' then 1
            when '2' then 2
            when '3' then 3
            else 0
        end as hosp_lv_rank,
        case when billed_lines.line_source = 'phar_sale' then '41' else billed_lines.med_type end as visit_med_type
    from billed_lines
    left join institutions
        on billed_lines.fixmedins_code = institutions.fixmedins_code
),

checked as (
    select
        *,
        lmt_hosp_lv_min is not null and hosp_lv_rank < lmt_hosp_lv_min as is_below_level,
        lmt_ipt_only and coalesce(med_type, '') <> '21' as is_outside_inpatient
    from placed_lines
    where
        lmt_hosp_lv_min is not null
        or lmt_ipt_only
),

catalogue_breaches as (
    select billed_line_key from checked
    where
        is_below_level
        or is_outside_inpatient
),

point_lines as (
    {{ kb_point_lines('R13', 'placed_lines', 'points', 'point_codes',
        parameters=['lmt_hosp_lv_min', 'lmt_med_types']) }}
),

point_checks as (
    select
        *,
        coalesce(hosp_lv_rank < cast(kb_lmt_hosp_lv_min as integer), false) as kb_below_level,
        coalesce(
            kb_lmt_med_types is not null
            and trim(kb_lmt_med_types) <> ''
            and {{ dbt.position(
                dbt.concat(["';'", "coalesce(visit_med_type, '-')", "';'"]),
                dbt.concat(["';'", "replace(kb_lmt_med_types, ' ', '')", "';'"]),
            ) }} = 0,
            false
        ) as kb_outside_med_types
    from point_lines
),

point_breaches as (
    select * from point_checks
    where
        kb_below_level
        or kb_outside_med_types
),

hit_keys as (
    select billed_line_key from catalogue_breaches
    union
    select billed_line_key from point_breaches
),

-- every point a hit line broke (none: an empty list)
hit_points as (
    select
        hit_keys.billed_line_key,
        catalogue_breaches.billed_line_key is not null as catalogue_broken,
        min(point_breaches.kb_result_level) as point_result_level,
        {{ kb_points_agg([
            ['lmt_hosp_lv_min', 'point_breaches.kb_lmt_hosp_lv_min'],
            ['lmt_med_types', 'point_breaches.kb_lmt_med_types'],
            ['below_level_minimum', 'point_breaches.kb_below_level'],
            ['outside_med_types', 'point_breaches.kb_outside_med_types'],
        ]) }} as kb_points
    from hit_keys
    left join catalogue_breaches
        on hit_keys.billed_line_key = catalogue_breaches.billed_line_key
    left join point_breaches
        on hit_keys.billed_line_key = point_breaches.billed_line_key
    group by hit_keys.billed_line_key, catalogue_breaches.billed_line_key
),

hits as (
    select
        billed_line_details.*,
        institutions.fixmedins_type,
        institutions.hosp_lv,
        institutions.hosp_lv_name,
        placed_lines.hosp_lv_rank,
        placed_lines.visit_med_type,
        coalesce(
            placed_lines.lmt_hosp_lv_min is not null and placed_lines.hosp_lv_rank < placed_lines.lmt_hosp_lv_min,
            false
        ) as is_below_level,
        placed_lines.lmt_ipt_only and coalesce(placed_lines.med_type, '') <> '21' as is_outside_inpatient,
        hit_points.catalogue_broken,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join placed_lines
        on hit_points.billed_line_key = placed_lines.billed_line_key
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
    left join institutions
        on billed_line_details.fixmedins_code = institutions.fixmedins_code
),

final as (
    select
        cast('R13' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R13', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ billed_line_evidence(restriction_findings(
            limits=[
                ['lmt_hosp_lv_min', 'lmt_hosp_lv_min'],
                ['lmt_ipt_only', 'lmt_ipt_only'],
            ],
            checked=[
                ['fixmedins_type', 'fixmedins_type'],
                ['hosp_lv', 'hosp_lv'],
                ['hosp_lv_name', 'hosp_lv_name'],
                ['below_level_minimum', 'is_below_level'],
            ],
            visit=[
                ['outside_inpatient', 'is_outside_inpatient'],
            ],
        ), after=[['kb_points', 'kb_points']]) }} as evidence,
        {{ kb_result_level('point_result_level', 'catalogue_broken', catalogue_result_level('R13')) }}
            as result_level
    from hits
)

select * from final
