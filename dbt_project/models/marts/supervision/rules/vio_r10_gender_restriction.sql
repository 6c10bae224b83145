{#- R10: an item whose catalogue row (valid on the event date) carries
    lmt_gend, charged for a person of the other gend. Hospital fee lines and pharmacy sale lines
    (int_billed_lines_unioned: refunds, fully refunded/returned lines and pharmacy fee lines are
    already out). suspect_amount = the line's net amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

persons as (
    select * from {{ ref('dim_person') }}
),

genders as (
    select * from {{ ref('code_gend') }}
),

restricted_lines as (
    select * from billed_lines
    where lmt_gend is not null
),

hits as (
    select
        restricted_lines.*,
        persons.gend,
        persons.gend_name,
        genders.name_zh as lmt_gend_name
    from restricted_lines
    inner join persons
        on restricted_lines.psn_no = persons.psn_no
    left join genders
        on restricted_lines.lmt_gend = genders.code
    where
        persons.gend is not null
        and persons.gend <> restricted_lines.lmt_gend
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
        )) }} as evidence,
        {{ catalogue_result_level('R10') }} as result_level
    from hits
)

select * from final
