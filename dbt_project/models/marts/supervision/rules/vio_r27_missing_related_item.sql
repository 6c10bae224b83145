{#- R27: a hospital fee line of a current knowledge point of R27 (its side-A items — a drug or
    consumable —, valid on the event date) on a visit that has no not fully refunded line of any of
    the point's side-B items (the service it belongs to) on any day of the visit. Lines from
    int_billed_lines_unioned (refunds net into their originals, fully refunded lines are no evidence);
    pharmacy sales are out (a retail sale has no service to go with). One hit per line however many
    points it breaks. suspect_amount = the line's net amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- read a second time for the whole rows of the few hit lines (hospital_lines is read twice, so DuckDB
-- materialises it: it carries only the columns the checks need)
billed_line_details as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

points as (
    select * from {{ ref('dim_kb_point') }}
),

point_codes as (
    select * from {{ ref('dim_kb_point_code') }}
),

hospital_lines as (
    select
        billed_line_key,
        mdtrt_id,
        hilist_code,
        occurred_on,
        net_amount
    from billed_lines
    where line_source = 'fee_list'
),

point_lines as (
    {{ kb_point_lines('R27', 'hospital_lines', 'points', 'point_codes') }}
),

-- the visits that have a line of a point's side-B items (any day of the visit), looked up only for
-- the visits and points of the side-A lines: a point's side B may list every service of the catalogue,
-- so the visits of every hospital line × the points naming its code would be the whole fee table
-- times tens of points
candidate_visits as (
    select distinct
        mdtrt_id,
        kb_point_id
    from point_lines
),

expected_codes as (
    select
        candidate_visits.mdtrt_id,
        candidate_visits.kb_point_id,
        related_codes.code
    from candidate_visits
    inner join point_codes as related_codes
        on candidate_visits.kb_point_id = related_codes.kb_point_id
    where
        related_codes.rule_code = 'R27'
        and related_codes.side = 'B'
        and related_codes.code_type = 'hilist'
),

related_visits as (
    select distinct
        expected_codes.mdtrt_id,
        expected_codes.kb_point_id
    from expected_codes
    inner join hospital_lines
        on
            expected_codes.mdtrt_id = hospital_lines.mdtrt_id
            and expected_codes.code = hospital_lines.hilist_code
),

-- the items that would have been expected (listed for the hit points only)
related_items as (
    select
        kb_point_id,
        {{ json_array_agg('code', 'code') }} as related_hilist_codes
    from point_codes
    where
        rule_code = 'R27'
        and side = 'B'
        and code_type = 'hilist'
    group by kb_point_id
),

breaches as (
    select
        point_lines.*,
        point_lines.net_amount as breach_amount,
        related_items.related_hilist_codes
    from point_lines
    left join related_visits
        on
            point_lines.mdtrt_id = related_visits.mdtrt_id
            and point_lines.kb_point_id = related_visits.kb_point_id
    left join related_items
        on point_lines.kb_point_id = related_items.kb_point_id
    where related_visits.mdtrt_id is null
),

hit_points as (
    {{ kb_breaches_by_line('breaches', [['required_hilist_codes', 'related_hilist_codes']]) }}
),

hits as (
    select
        billed_line_details.*,
        hit_points.breach_amount,
        hit_points.point_result_level,
        hit_points.kb_points
    from hit_points
    inner join billed_line_details
        on hit_points.billed_line_key = billed_line_details.billed_line_key
),

final as (
    select
        cast('R27' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R27', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('breach_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            [['visit_mdtrt_id', 'mdtrt_id'], ['med_type', 'med_type']],
            after=[['kb_points', 'kb_points']],
        ) }} as evidence,
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R27')) }}
            as result_level
    from hits
)

select * from final
