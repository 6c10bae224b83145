{#- R20: a non-reversed pharmacy settlement whose time, to the minute,
    is outside the pharmacy's open_time–close_time (bounds inclusive), or one of
    ≥ max_daily_pharmacy_setl non-reversed settlements of one person at one pharmacy on one day (every
    settlement of the group hits). One row per settlement; suspect_amount = fund_pay_sumamt. -#}
with

settlements as (
    select * from {{ ref('fct_settlement') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

-- reversals and reversed settlements never hit (is_effective excludes both)
pharmacy_settlements as (
    select
        settlements.*,
        institutions.fixmedins_name,
        institutions.open_time,
        institutions.close_time,
        cast(extract(hour from settlements.setl_time) as integer) * 60
        + cast(extract(minute from settlements.setl_time) as integer) as setl_minute,
        -- HH:MM (H:MM accepted); anything else leaves the hours unchecked
        case
            when institutions.open_time like '%_:__'
                then
                    cast({{ dbt.split_part('institutions.open_time', "':'", 1) }} as integer) * 60
                    + cast({{ dbt.split_part('institutions.open_time', "':'", 2) }} as integer)
        end as open_minute,
        case
            when institutions.close_time like '%_:__'
                then
                    cast({{ dbt.split_part('institutions.close_time', "':'", 1) }} as integer) * 60
                    + cast({{ dbt.split_part('institutions.close_time', "':'", 2) }} as integer)
        end as close_minute
    from settlements
    left join institutions
        on settlements.fixmedins_code = institutions.fixmedins_code
    where
        settlements.is_pharmacy_settlement
        and settlements.is_effective
),

checked as (
    select
        *,
        case
            when open_minute is null or close_minute is null then false
            -- a pharmacy open past midnight (open after close) is closed between close and open
            when open_minute > close_minute then setl_minute > close_minute and setl_minute < open_minute
            else setl_minute < open_minute or setl_minute > close_minute
        end as is_outside_hours,
        count(*) over (partition by psn_no, fixmedins_code, setl_date) as day_settlement_count
    from pharmacy_settlements
),

flagged as (
    select
        *,
        day_settlement_count >= {{ var('max_daily_pharmacy_setl') }} as is_frequent
    from checked
),

hits as (
    select * from flagged
    where
        is_outside_hours
        or is_frequent
),

-- the person's settlements at the pharmacy that day, for frequency hits
day_groups as (
    select
        psn_no,
        fixmedins_code,
        setl_date,
        {{ json_array_agg(json_object([
            ['setl_time', 'setl_time'],
            ['setl_id', 'setl_id'],
            ['mdtrt_id', 'mdtrt_id'],
            ['medfee_sumamt', 'medfee_sumamt'],
            ['fund_pay_sumamt', 'fund_pay_sumamt'],
        ]), 'setl_time') }} as day_settlements
    from hits
    where is_frequent
    group by psn_no, fixmedins_code, setl_date
),

final as (
    select
        cast('R20' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R20', ['hits.setl_id']) }} as hit_id,
        hits.fixmedins_code,
        hits.psn_no,
        hits.mdtrt_id,
        hits.setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        hits.setl_date as occurred_on,
        {{ money('hits.fund_pay_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['setl_time', 'hits.setl_time'],
            ['fixmedins_name', 'hits.fixmedins_name'],
            ['open_time', 'hits.open_time'],
            ['close_time', 'hits.close_time'],
            ['outside_opening_hours', 'hits.is_outside_hours'],
            ['settlements_that_day', 'hits.day_settlement_count'],
            ['max_daily_pharmacy_setl', var('max_daily_pharmacy_setl')],
            ['too_many_settlements', 'hits.is_frequent'],
            ['mdtrt_cert_type', 'hits.mdtrt_cert_type'],
            ['medfee_sumamt', 'hits.medfee_sumamt'],
            ['fund_pay_sumamt', 'hits.fund_pay_sumamt'],
            ['acct_pay', 'hits.acct_pay'],
            ['psn_cash_pay', 'hits.psn_cash_pay'],
            ['source_file', 'hits.source_file'],
            ['source_line', 'hits.source_line'],
            ['day_settlements', 'day_groups.day_settlements'],
        ])) }} as evidence,
        {{ catalogue_result_level('R20') }} as result_level
    from hits
    -- ST11: its columns are read inside the evidence macro, which the linter renders as text
    left join day_groups  -- noqa: ST11
        on
            hits.psn_no = day_groups.psn_no
            and hits.fixmedins_code = day_groups.fixmedins_code
            and hits.setl_date = day_groups.setl_date
)

select * from final
