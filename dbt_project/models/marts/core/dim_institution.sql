with

institutions as (
    select * from {{ ref('stg_reference__institutions') }}
),

agreements as (
    select * from {{ ref('stg_reference__agreements') }}
),

fixmedins_types as (
    select * from {{ ref('code_fixmedins_type') }}
),

hosp_levels as (
    select * from {{ ref('code_hosp_lv') }}
),

econ_types as (
    select * from {{ ref('code_econ_type') }}
),

agreement_statuses as (
    select * from {{ ref('code_agreement_status') }}
),

divisions as (
    select * from {{ ref('code_admdvs') }}
),

-- the agreement snapshot's own reference date: the last day of its newest delivered period
as_of as (
    select
        {{ dbt.last_day(period_start('max(newest_period)'), 'month') }} as as_of_date
    from agreements
),

-- current agreement rows covering the reference date; 解除 beats 暂停 beats 正常
covering as (
    select
        agreements.fixmedins_code,
        agreements.agreement_no,
        agreements.agreement_status,
        as_of.as_of_date,
        row_number() over (
            partition by agreements.fixmedins_code
            order by
                case agreements.agreement_status
                    when '3' then 3
                    when '2' then 2
                    when '1' then 1
                    else 0
                end desc,
                agreements.begndate desc,
                agreements.agreement_no desc
        ) as status_rank
    from agreements
    cross join as_of
    where
        agreements.is_current
        and agreements.begndate <= as_of.as_of_date
        and agreements.enddate >= as_of.as_of_date
),

current_agreement as (
    select * from covering
    where status_rank = 1
),

final as (
    select
        institutions.fixmedins_code,
        institutions.fixmedins_name,
        institutions.fixmedins_type,
        fixmedins_types.name_zh as fixmedins_type_name,
        institutions.fixmedins_type = '2' as is_pharmacy,
        institutions.hosp_lv,
        hosp_levels.name_zh as hosp_lv_name,
        institutions.econ_type,
        econ_types.name_zh as econ_type_name,
        institutions.admdvs,
        divisions.name_zh as admdvs_name,
        institutions.uscc,
        institutions.open_time,
        institutions.close_time,
        institutions.is_current,
        institutions.first_period_seen,
        institutions.last_period_seen,
        as_of.as_of_date as agreement_as_of_date,
        current_agreement.agreement_no as current_agreement_no,
        current_agreement.agreement_status as current_agreement_status,
        agreement_statuses.name_zh as current_agreement_status_name
    from institutions
    cross join as_of
    left join current_agreement
        on institutions.fixmedins_code = current_agreement.fixmedins_code
    left join fixmedins_types
        on institutions.fixmedins_type = fixmedins_types.code
    left join hosp_levels
        on institutions.hosp_lv = hosp_levels.code
    left join econ_types
        on institutions.econ_type = econ_types.code
    left join agreement_statuses
        on current_agreement.agreement_status = agreement_statuses.code
    left join divisions
        on institutions.admdvs = divisions.code
)

select * from final
