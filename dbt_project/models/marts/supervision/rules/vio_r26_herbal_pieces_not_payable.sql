{#- R26: a billed line of a current knowledge point of R26 (its side-A items, valid on the event
    date). herb_mode 'all' (单复方均不予支付): every such line. herb_mode 'single' (单方使用不予支付):
    such a line when its item is the only distinct catalogue list_type 102 item with a not fully
    refunded line on that visit and calendar day (a pharmacy sale: in that settlement). Hospital fee
    lines and pharmacy sale lines from int_billed_lines_unioned; one hit per line however many points
    it breaks. suspect_amount = the line's net amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
    where {{ hits_window('occurred_on') }}
),

-- read a second time for the whole rows of the few hit lines (grouped_lines is read twice, so DuckDB
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

-- where a prescription is judged: a hospital visit's calendar day, or a pharmacy settlement
grouped_lines as (
    select
        billed_line_key,
        hilist_code,
        occurred_on,
        list_type,
        net_amount,
        case
            when line_source = 'phar_sale'
                then {{ dbt.concat(["'setl|'", "coalesce(setl_id, sale_sn)"]) }}
            else {{ dbt.concat(["'visit|'", 'mdtrt_id', "'|'", 'cast(occurred_on as ' ~ dbt.type_string() ~ ')']) }}
        end as prescription_key
    from billed_lines
),

prescription_herbs as (
    select
        prescription_key,
        count(distinct hilist_code) as herb_item_count
    from grouped_lines
    where list_type = '102'
    group by prescription_key
),

point_lines as (
    {{ kb_point_lines('R26', 'grouped_lines', 'points', 'point_codes', parameters=['herb_mode']) }}
),

checked as (
    select
        point_lines.*,
        coalesce(prescription_herbs.herb_item_count, 0) as herb_item_count,
        coalesce(prescription_herbs.herb_item_count, 0)
        - case when point_lines.list_type = '102' then 1 else 0 end as other_herb_item_count
    from point_lines
    left join prescription_herbs
        on point_lines.prescription_key = prescription_herbs.prescription_key
),

breaches as (
    select
        *,
        net_amount as breach_amount
    from checked
    where
        kb_herb_mode = 'all'
        or (kb_herb_mode = 'single' and other_herb_item_count = 0)
),

hit_points as (
    {{ kb_breaches_by_line('breaches', [
        ['herb_mode', 'kb_herb_mode'],
        ['herb_item_count', 'herb_item_count'],
    ]) }}
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
        cast('R26' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R26', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        case when line_source = 'fee_list' then mdtrt_id end as mdtrt_id,
        setl_id,
        feedetl_sn,
        sale_sn,
        hilist_code,
        occurred_on,
        {{ money('breach_amount') }} as suspect_amount,
        {{ billed_line_evidence(
            [['list_type', 'list_type'], ['visit_mdtrt_id', 'mdtrt_id'], ['med_type', 'med_type']],
            after=[['kb_points', 'kb_points']],
        ) }} as evidence,
        {{ kb_result_level('point_result_level', 'false', catalogue_result_level('R26')) }}
            as result_level
    from hits
)

select * from final
