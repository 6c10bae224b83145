{#- One row per institution × report quarter in which the institution held a designation (定点)
    agreement on at least one day: a day covered by a 正常 (1) or 暂停 (2) row and by no 解除 (3) row
    (bounds inclusive, a missing enddate open-ended). -#}
with

agreements as (
    select * from {{ ref('dim_institution_agreement') }}
),

quarters as (
    select * from {{ ref('int_report_quarters_listed') }}
),

-- if such a day exists, one of these candidates is one: the first day of a 1/2 row inside the
-- quarter, or the day after a 3 row ends
candidate_days as (
    select
        agreements.fixmedins_code,
        quarters.year_number,
        quarters.quarter_number,
        greatest(agreements.begndate, quarters.quarter_start_date) as candidate_day
    from agreements
    inner join quarters
        on
            agreements.begndate <= quarters.quarter_end_date
            and (agreements.enddate is null or agreements.enddate >= quarters.quarter_start_date)
    where agreements.agreement_status in ('1', '2')

    union all

    select
        agreements.fixmedins_code,
        quarters.year_number,
        quarters.quarter_number,
        cast({{ dbt.dateadd('day', 1, 'agreements.enddate') }} as date) as candidate_day
    from agreements
    inner join quarters
        on
            agreements.enddate >= cast({{ dbt.dateadd('day', -1, 'quarters.quarter_start_date') }} as date)
            and agreements.enddate < quarters.quarter_end_date
    where agreements.agreement_status = '3'
),

candidate_coverage as (
    select
        candidate_days.fixmedins_code,
        candidate_days.year_number,
        candidate_days.quarter_number,
        candidate_days.candidate_day,
        max(case when agreements.agreement_status in ('1', '2') then 1 else 0 end) as is_held,
        max(case when agreements.agreement_status = '3' then 1 else 0 end) as is_terminated
    from candidate_days
    left join agreements
        on
            candidate_days.fixmedins_code = agreements.fixmedins_code
            and candidate_days.candidate_day >= agreements.begndate
            and (agreements.enddate is null or candidate_days.candidate_day <= agreements.enddate)
    group by
        candidate_days.fixmedins_code,
        candidate_days.year_number,
        candidate_days.quarter_number,
        candidate_days.candidate_day
),

final as (
    select distinct
        fixmedins_code,
        year_number,
        quarter_number
    from candidate_coverage
    where is_held = 1 and is_terminated = 0
)

select * from final
