{#- R34 building block: two persons are linked when both have a non-reversed settlement at the same
    institution on the same calendar day (of setl_time) on at least gang_min_days distinct days of one
    calendar quarter. One row per institution × quarter × linked pair (psn_no_a < psn_no_b).

    Near-linear: persons are paired on an institution-day only when each of them settled there on at
    least gang_min_days days of the quarter (fewer can never make a link), so a busy pharmacy's day
    does not pair every customer with every other.

    A table: the components and vio_r34 read it several times, and an engine that inlines views
    (Spark) would otherwise pair the settlements again at every reference. -#}
{{ config(materialized='table') }}

with

settlements as (
    select * from {{ ref('fct_settlement') }}
),

-- one row per institution × day × person with a non-reversed settlement
settled_days as (
    select distinct
        fixmedins_code,
        cast({{ dbt.date_trunc('quarter', 'setl_date') }} as date) as quarter_start,
        setl_date,
        psn_no
    from settlements
    where
        is_effective
        and psn_no is not null
        and setl_date is not null
),

-- persons with enough days at the institution in the quarter to be linked at all
regulars as (
    select
        fixmedins_code,
        quarter_start,
        psn_no
    from settled_days
    group by fixmedins_code, quarter_start, psn_no
    having count(*) >= {{ var('gang_min_days') }}
),

regular_days as (
    select settled_days.*
    from settled_days
    inner join regulars
        on
            settled_days.fixmedins_code = regulars.fixmedins_code
            and settled_days.quarter_start = regulars.quarter_start
            and settled_days.psn_no = regulars.psn_no
),

pairs as (
    select
        person_a.fixmedins_code,
        person_a.quarter_start,
        person_a.psn_no as psn_no_a,
        person_b.psn_no as psn_no_b,
        count(*) as shared_days,
        min(person_a.setl_date) as first_shared_day,
        max(person_a.setl_date) as last_shared_day
    from regular_days as person_a
    inner join regular_days as person_b
        on
            person_a.fixmedins_code = person_b.fixmedins_code
            and person_a.setl_date = person_b.setl_date
            and person_a.psn_no < person_b.psn_no
    group by person_a.fixmedins_code, person_a.quarter_start, person_a.psn_no, person_b.psn_no
    having count(*) >= {{ var('gang_min_days') }}
),

final as (
    select
        fixmedins_code,
        quarter_start,
        psn_no_a,
        psn_no_b,
        cast(shared_days as integer) as shared_days,
        first_shared_day,
        last_shared_day
    from pairs
)

select * from final
