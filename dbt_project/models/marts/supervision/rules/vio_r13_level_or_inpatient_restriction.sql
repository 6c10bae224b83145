{#- R13: an item whose catalogue row (valid on the event date)
    carries lmt_hosp_lv_min, charged at an institution whose hosp_lv is lower (no hosp_lv, as at
    pharmacies and clinics, is below every minimum), or an lmt_ipt_only item charged on a visit that is
    not inpatient (med_type 21). Hospital fee lines and pharmacy sale lines from
    int_billed_lines_unioned; one row per line even when both restrictions fail. -#}
with

billed_lines as (
    select * from {{ ref('int_billed_lines_unioned') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

restricted_lines as (
    select * from billed_lines
    where
        lmt_hosp_lv_min is not null
        or lmt_ipt_only
),

checked as (
    select
        restricted_lines.*,
        institutions.fixmedins_type,
        institutions.hosp_lv,
        institutions.hosp_lv_name,
        restricted_lines.lmt_hosp_lv_min is not null
        and case institutions.hosp_lv
            when '1' then 1
            when '2' then 2
            when '3' then 3
            else 0
        end < restricted_lines.lmt_hosp_lv_min
            as is_below_level,
        restricted_lines.lmt_ipt_only
        and coalesce(restricted_lines.med_type, '') <> '21' as is_outside_inpatient
    from restricted_lines
    left join institutions
        on restricted_lines.fixmedins_code = institutions.fixmedins_code
),

hits as (
    select * from checked
    where
        is_below_level
        or is_outside_inpatient
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
        )) }} as evidence,
        {{ catalogue_result_level('R13') }} as result_level
    from hits
)

select * from final
