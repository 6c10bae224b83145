{#- R11: an item whose catalogue row (valid on the event date) carries
    lmt_age_min and/or lmt_age_max, charged for a person whose whole-year age on the event date is
    outside [min, max] (bounds inclusive; the birthday itself counts as the new age). Hospital fee
    lines and pharmacy sale lines from int_billed_lines_unioned. suspect_amount = net line amount. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

persons as (
    select * from {{ ref('dim_person') }}
),

restricted_lines as (
    select * from billed_lines
    where
        lmt_age_min is not null
        or lmt_age_max is not null
),

-- whole years on the event date: one less while the birthday of that year is still ahead
aged as (
    select
        restricted_lines.*,
        persons.brdy,
        extract(year from restricted_lines.occurred_on)
        - extract(year from persons.brdy)
        - case
            when
                extract(month from restricted_lines.occurred_on) * 100
                + extract(day from restricted_lines.occurred_on)
                < extract(month from persons.brdy) * 100 + extract(day from persons.brdy)
                then 1
            else 0
        end as age_years
    from restricted_lines
    inner join persons
        on restricted_lines.psn_no = persons.psn_no
    where persons.brdy is not null
),

hits as (
    select * from aged
    where
        age_years < lmt_age_min
        or age_years > lmt_age_max
),

final as (
    select
        cast('R11' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R11', ['fixmedins_code', 'feedetl_sn', 'sale_sn']) }} as hit_id,
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
                ['lmt_age_min', 'lmt_age_min'],
                ['lmt_age_max', 'lmt_age_max'],
            ],
            checked=[
                ['age_on_event_date', 'cast(age_years as integer)'],
            ],
        )) }} as evidence,
        {{ catalogue_result_level('R11') }} as result_level
    from hits
)

select * from final
