{#- R34: a group = a connected component, at one institution in one calendar quarter, of at least
    gang_min_size persons linked by settling there on the same day on at least gang_min_days days
    (int_covisit_links_paired, int_covisit_components_labelled). Every non-reversed settlement of a
    member at that institution on a day when at least two members of the group settled there is a hit.
    One row per settlement; suspect_amount = its fund_pay_sumamt. group_id = hash of the institution,
    the quarter's first day and the group's smallest psn_no: stable while the group keeps its smallest
    member. -#}
with

settlements as (
    select * from {{ ref('fct_settlement') }}
),

links as (
    select * from {{ ref('int_covisit_links_paired') }}
),

components as (
    select * from {{ ref('int_covisit_components_labelled') }}
),

-- labels that a too-small gang_max_steps left unfinished: no group may be reported from them
unsettled as (
    select count(*) as unsettled_labels
    from components
    where not label_settled
),

gang_groups as (
    select
        fixmedins_code,
        quarter_start,
        component_label,
        {{ surrogate_key(['fixmedins_code', 'quarter_start', 'component_label']) }} as group_id,
        count(*) as group_size,
        {{ json_array_agg('psn_no', 'psn_no') }} as group_members
    from components
    group by fixmedins_code, quarter_start, component_label
    having count(*) >= {{ var('gang_min_size') }}
),

members as (
    select
        components.psn_no,
        gang_groups.*
    from components
    inner join gang_groups
        on
            components.fixmedins_code = gang_groups.fixmedins_code
            and components.quarter_start = gang_groups.quarter_start
            and components.component_label = gang_groups.component_label
),

group_links as (
    select
        members.fixmedins_code,
        members.quarter_start,
        members.component_label,
        {{ json_array_agg(json_object([
            ['psn_no_a', 'links.psn_no_a'],
            ['psn_no_b', 'links.psn_no_b'],
            ['shared_days', 'links.shared_days'],
            ['first_shared_day', 'links.first_shared_day'],
            ['last_shared_day', 'links.last_shared_day'],
        ]), 'links.psn_no_a, links.psn_no_b') }} as group_links
    from links
    inner join members
        on
            links.fixmedins_code = members.fixmedins_code
            and links.quarter_start = members.quarter_start
            and links.psn_no_a = members.psn_no
    group by members.fixmedins_code, members.quarter_start, members.component_label
),

-- the members' non-reversed settlements at the group's institution in the group's quarter
member_settlements as (
    select
        settlements.*,
        members.quarter_start,
        members.component_label,
        members.group_id,
        members.group_size,
        members.group_members
    from settlements
    inner join members
        on
            settlements.fixmedins_code = members.fixmedins_code
            and settlements.psn_no = members.psn_no
            and cast({{ dbt.date_trunc('quarter', 'settlements.setl_date') }} as date) = members.quarter_start
    where settlements.is_effective
),

-- days on which at least two members settled there
group_days as (
    select
        fixmedins_code,
        quarter_start,
        component_label,
        setl_date,
        count(distinct psn_no) as members_present
    from member_settlements
    group by fixmedins_code, quarter_start, component_label, setl_date
    having count(distinct psn_no) >= 2
),

group_day_lists as (
    select
        fixmedins_code,
        quarter_start,
        component_label,
        count(*) as group_day_count,
        {{ json_array_agg(json_object([
            ['setl_date', 'setl_date'],
            ['members_present', 'members_present'],
        ]), 'setl_date') }} as group_days
    from group_days
    group by fixmedins_code, quarter_start, component_label
),

day_member_lists as (
    select
        member_settlements.fixmedins_code,
        member_settlements.component_label,
        member_settlements.setl_date,
        {{ json_array_agg(json_object([
            ['setl_time', 'member_settlements.setl_time'],
            ['psn_no', 'member_settlements.psn_no'],
            ['setl_id', 'member_settlements.setl_id'],
        ]), 'member_settlements.setl_time, member_settlements.setl_id') }} as day_settlements
    from member_settlements
    inner join group_days
        on
            member_settlements.fixmedins_code = group_days.fixmedins_code
            and member_settlements.component_label = group_days.component_label
            and member_settlements.setl_date = group_days.setl_date
    group by member_settlements.fixmedins_code, member_settlements.component_label, member_settlements.setl_date
),

hits as (
    select
        member_settlements.*,
        group_days.members_present,
        group_day_lists.group_day_count,
        group_day_lists.group_days,
        group_links.group_links,
        day_member_lists.day_settlements
    from member_settlements
    inner join group_days
        on
            member_settlements.fixmedins_code = group_days.fixmedins_code
            and member_settlements.component_label = group_days.component_label
            and member_settlements.setl_date = group_days.setl_date
    inner join group_day_lists
        on
            member_settlements.fixmedins_code = group_day_lists.fixmedins_code
            and member_settlements.quarter_start = group_day_lists.quarter_start
            and member_settlements.component_label = group_day_lists.component_label
    inner join day_member_lists
        on
            member_settlements.fixmedins_code = day_member_lists.fixmedins_code
            and member_settlements.component_label = day_member_lists.component_label
            and member_settlements.setl_date = day_member_lists.setl_date
    left join group_links
        on
            member_settlements.fixmedins_code = group_links.fixmedins_code
            and member_settlements.quarter_start = group_links.quarter_start
            and member_settlements.component_label = group_links.component_label
    cross join unsettled
    where
        {{ fail_when(
            'unsettled.unsettled_labels > 0',
            "'R34: min-label propagation did not converge within gang_max_steps steps; raise the var gang_max_steps'"
        ) }} is null
),

final as (
    select
        cast('R34' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R34', ['setl_id']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        setl_date as occurred_on,
        {{ money('fund_pay_sumamt') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['group_id', 'group_id'],
            ['fixmedins_code', 'fixmedins_code'],
            ['quarter_start', 'quarter_start'],
            ['group_size', 'group_size'],
            ['group_members', 'group_members'],
            ['group_links', 'group_links'],
            ['group_day_count', 'group_day_count'],
            ['group_days', 'group_days'],
            ['gang_min_days', var('gang_min_days')],
            ['gang_min_size', var('gang_min_size')],
            ['setl_date', 'setl_date'],
            ['members_present_that_day', 'members_present'],
            ['day_settlements', 'day_settlements'],
            ['setl_time', 'setl_time'],
            ['med_type', 'med_type'],
            ['medfee_sumamt', 'medfee_sumamt'],
            ['fund_pay_sumamt', 'fund_pay_sumamt'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ])) }} as evidence,
        {{ catalogue_result_level('R34') }} as result_level
    from hits
)

select * from final
