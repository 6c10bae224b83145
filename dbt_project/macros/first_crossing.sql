{#-
    first_crossing(events, groups, partition_by, order_by, running, crossed, carry=[], keep={})

    A select statement (the body of a CTE): for every group of `groups` that a rule has already
    flagged, the event at which a running total first crosses the rule's threshold — the moment a
    hit becomes true, which the rule reports as occurred_on (R16: the sale that took the month's
    sales past the stock; R21: the fee line that took the month's amount past both thresholds).

    events        relation (CTE name) of the events, one row each
    groups        relation of the flagged groups, one row per partition_by key
    partition_by  columns both relations share: one running total per group
    order_by      columns of events that order them in time (ties broken by a key, so the order is total)
    running       column of events summed in that order: the total up to and including each event is
                  `running_total`
    crossed       condition on running_total and the carried columns: true once the threshold is crossed
    carry         columns of groups the condition reads
    keep          {output column: column of events} of the crossing event

    Result: the partition_by columns and the keep columns, one row per group whose running total
    crosses (a group that never crosses, e.g. because refunds later brought it back, has no row).
-#}
{% macro first_crossing(events, groups, partition_by, order_by, running, crossed, carry=[], keep={}) -%}
    {%- set event_columns = [] -%}
    {%- for column in order_by + (keep.values() | list) if column not in event_columns + partition_by -%}
        {%- do event_columns.append(column) -%}
    {%- endfor -%}
    select
        {%- for column in partition_by %}
        {{ column }},
        {%- endfor %}
        {%- for name, column in keep.items() %}
        {{ column }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            running_totals.*,
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as crossing_rank
        from (
            select
                {%- for column in partition_by + event_columns %}
                event_rows.{{ column }},
                {%- endfor %}
                {%- for column in carry %}
                flagged_groups.{{ column }},
                {%- endfor %}
                sum(event_rows.{{ running }}) over (
                    partition by {% for column in partition_by %}event_rows.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                    order by {% for column in order_by %}event_rows.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                    rows between unbounded preceding and current row
                ) as running_total
            from {{ events }} as event_rows
            inner join {{ groups }} as flagged_groups
                on
                {%- for column in partition_by %}
                    {{ 'and ' if not loop.first }}event_rows.{{ column }} = flagged_groups.{{ column }}
                {%- endfor %}
        ) as running_totals
        where {{ crossed }}
    ) as crossings
    where crossing_rank = 1
{%- endmacro %}
