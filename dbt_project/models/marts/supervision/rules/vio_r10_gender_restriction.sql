{#- R10: an item restricted to one sex, charged for a person of the other gend. The restriction is
    the catalogue row (valid on the event date) column lmt_gend, or a current knowledge point of R10
    naming the item (side A) with lmt_gend and valid on the event date (macros/kb_points.sql). Hospital
    fee lines and pharmacy sale lines (int_billed_lines_unioned: refunds, fully refunded/returned lines
    and pharmacy fee lines are already out). One hit per line however many restrictions it breaks;
    suspect_amount = the line's net amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- read a second time for the whole rows of the few hit lines (person_lines is read three times, so
-- DuckDB materialises it: it carries only the columns the checks need)
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

persons as (
    select * from {{ ref('dim_person') }}
),

genders as (
    select * from {{ ref('code_gend') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

person_lines as (
    select
        billed_lines.billed_line_key,
        billed_lines.hilist_code,
        billed_lines.occurred_on,
        billed_lines.lmt_gend,
        persons.gend
    from billed_lines
    inner join persons
        on billed_lines.psn_no = persons.psn_no
    where persons.gend is not null
),

catalogue_breaches as (
    select billed_line_key from person_lines
    where
        lmt_gend is not null
        and gend <> lmt_gend
),

point_lines as (
    {{ kb_point_lines('R10', 'person_lines', 'points', 'point_codes', parameters=['lmt_gend']) }}
),

point_breaches as (
    select * from point_lines
    where
        kb_lmt_gend is not null
        and gend <> kb_lmt_gend
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
        {{ kb_points_agg([['lmt_gend', 'point_breaches.kb_lmt_gend']]) }} as kb_points
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
        persons.gend,
        persons.gend_name,
        genders.name_zh as lmt_gend_name,
        hit_points.catalogue_broken,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
    inner join persons
        on billed_line_details.psn_no = persons.psn_no
    left join genders
        on billed_line_details.lmt_gend = genders.code
),

final as (
    select
        cast('R10' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R10', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
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
                ['lmt_gend', 'lmt_gend'],
                ['lmt_gend_name', 'lmt_gend_name'],
            ],
            checked=[
                ['person_gend', 'gend'],
                ['person_gend_name', 'gend_name'],
            ],
        ), after=[['kb_points', 'kb_points']]) }} as evidence,
        {{ kb_result_level('point_result_level', 'catalogue_broken', catalogue_result_level('R10')) }}
            as result_level
    from hits
)

select * from final
