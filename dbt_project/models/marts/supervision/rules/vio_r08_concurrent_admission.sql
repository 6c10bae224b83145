{#- R08: the same person has two inpatient stays at different institutions
    whose [begntime, endtime] intervals overlap by at least 24 hours. The hit is the later-admitted
    stay (equal admission times: the greater mdtrt_id); suspect_amount = its total.

    Near-linear: stays are sorted per person and grouped into islands of overlapping stays with a
    running max of earlier stays' end times (window functions). Only stays of the same island can
    overlap, so pairs are formed inside islands that span two or more institutions; in clean data
    every island is a single stay and no pair is formed at all. -#}
{%- set min_overlap_seconds = 24 * 60 * 60 %}

with

visits as (
    select * from {{ ref('fct_visit') }}
),

-- closed inpatient stays; a stay whose settlements were all reversed was undone
stays as (
    select * from visits
    where
        is_inpatient
        and not is_cancelled
        and begntime is not null
        and endtime is not null
        and endtime >= begntime
),

ordered as (
    select
        *,
        max(endtime) over (
            partition by psn_no
            order by begntime, mdtrt_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_max_endtime
    from stays
),

-- a stay opens a new island when it begins at or after every earlier stay's end
islands as (
    select
        *,
        sum(
            case
                when earlier_max_endtime is null or begntime >= earlier_max_endtime then 1
                else 0
            end
        ) over (
            partition by psn_no
            order by begntime, mdtrt_id
            rows between unbounded preceding and current row
        ) as island_no
    from ordered
),

island_institutions as (
    select
        *,
        min(fixmedins_code) over (partition by psn_no, island_no) as island_min_fixmedins_code,
        max(fixmedins_code) over (partition by psn_no, island_no) as island_max_fixmedins_code
    from islands
),

multi_institution_stays as (
    select * from island_institutions
    where island_min_fixmedins_code <> island_max_fixmedins_code
),

-- every earlier-admitted stay at another institution of the same island
overlapping_pairs as (
    select
        later.mdtrt_id,
        earlier.mdtrt_id as earlier_mdtrt_id,
        earlier.fixmedins_code as earlier_fixmedins_code,
        earlier.begntime as earlier_begntime,
        earlier.endtime as earlier_endtime,
        earlier.main_diag_code as earlier_main_diag_code,
        earlier.last_effective_setl_id as earlier_setl_id,
        earlier.medfee_sumamt as earlier_medfee_sumamt,
        {{ dbt.datediff(
            'later.begntime',
            'least(earlier.endtime, later.endtime)',
            'second'
        ) }} as overlap_seconds
    from multi_institution_stays as later
    inner join multi_institution_stays as earlier
        on
            later.psn_no = earlier.psn_no
            and later.island_no = earlier.island_no
            and later.fixmedins_code <> earlier.fixmedins_code
            and (
                later.begntime > earlier.begntime
                or (later.begntime = earlier.begntime and later.mdtrt_id > earlier.mdtrt_id)
            )
),

concurrent_pairs as (
    select * from overlapping_pairs
    where overlap_seconds >= {{ min_overlap_seconds }}
),

earlier_stay_lists as (
    select
        mdtrt_id,
        count(*) as earlier_stay_count,
        max(overlap_seconds) as max_overlap_seconds,
        {{ json_array_agg(json_object([
            ['admission_time', 'earlier_begntime'],
            ['mdtrt_id', 'earlier_mdtrt_id'],
            ['fixmedins_code', 'earlier_fixmedins_code'],
            ['discharge_time', 'earlier_endtime'],
            ['main_diag_code', 'earlier_main_diag_code'],
            ['setl_id', 'earlier_setl_id'],
            ['medfee_sumamt', 'earlier_medfee_sumamt'],
            ['overlap_hours', 'round(overlap_seconds / 3600.0, 2)'],
        ]), 'earlier_begntime, earlier_mdtrt_id') }} as earlier_stays
    from concurrent_pairs
    group by mdtrt_id
),

hits as (
    select
        stays.*,
        earlier_stay_lists.earlier_stay_count,
        earlier_stay_lists.max_overlap_seconds,
        earlier_stay_lists.earlier_stays
    from stays
    inner join earlier_stay_lists
        on stays.mdtrt_id = earlier_stay_lists.mdtrt_id
),

final as (
    select
        cast('R08' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R08', ['mdtrt_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        last_effective_setl_id as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        begin_date as occurred_on,
        {{ money('medfee_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['min_overlap_hours', min_overlap_seconds // 3600],
            ['stay', stay_evidence(['fixmedins_code'])],
            ['max_overlap_hours', 'round(max_overlap_seconds / 3600.0, 2)'],
            ['earlier_stay_count', 'earlier_stay_count'],
            ['earlier_stays', 'earlier_stays'],
        ])) }} as evidence,
        {{ catalogue_result_level('R08') }} as result_level
    from hits
)

select * from final
