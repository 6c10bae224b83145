{#-
    latest_delivery(relation, key_columns, snapshot=false)

    "The latest delivery wins" (DATA_CONTRACT.md §1): raw keeps every delivered row, and the
    same key may arrive in several periods. This returns one row per key — the row of the newest
    period, then the newest load, then the last line of the file (then the larger batch id, so two
    files loaded together never leave the choice to chance) — as a subquery-shaped select.

    snapshot=true (reference feeds, full monthly snapshots) also returns
      first_period_seen / last_period_seen  periods in which the key was delivered,
      is_current                            the key is present in the feed's newest period.
    A snapshot repeats every key every month, so the rows are ranked narrowly (the key and the
    lineage columns only) and the winning rows joined back: sorting every delivered row with all
    its columns cost four times as much (2.6M person rows at three years: 3.7 s against 0.9 s).
    Event feeds (visits, settlements, fee lines, HIS charges, sales) deliver nearly every key once:
    those rows pass untouched and only the keys delivered again are ranked (3.4M HIS charges at
    three years: 0.9 s against 2.8 s; 9.8M fee lines: 1.9 s against 20.4 s), and a reader filtering on
    a date (a rule from its changed month) reads only those dates of the raw rows delivered once.

    Portable SQL only (window functions in a subquery; no QUALIFY), so it runs on Spark as is.
-#}
{% macro latest_delivery(relation, key_columns, snapshot=false) -%}
    {%- set partition_by = key_columns | join(', ') -%}
    {%- set newest_first = '_period desc, _loaded_at desc, _line desc, _batch_id desc' -%}
    {%- if snapshot %}
    {#- the key and lineage columns name the row (a loaded batch numbers its lines, so never two rows);
        null-safe, as unit-test fixtures leave some lineage out -#}
    {%- set row_columns = key_columns + ['_period', '_loaded_at', '_line', '_batch_id'] %}
    select
        src.*,
        ranked._delivery_rank,
        ranked.first_period_seen,
        ranked.last_period_seen,
        ranked._newest_period
    from {{ relation }} as src
    inner join (
        select * from (
            select
                {{ row_columns | join(', ') }},
                row_number() over (partition by {{ partition_by }} order by {{ newest_first }}) as _delivery_rank,
                min(_period) over (partition by {{ partition_by }}) as first_period_seen,
                max(_period) over (partition by {{ partition_by }}) as last_period_seen,
                max(_period) over () as _newest_period
            from {{ relation }}
        ) as keyed
        where keyed._delivery_rank = 1
    ) as ranked
        on
        {%- for column in row_columns %}
            {{ 'and ' if not loop.first }}src.{{ column }} is not distinct from ranked.{{ column }}
        {%- endfor %}
    {%- else %}
    {#- a key delivered once (nearly every event) is its own latest delivery: only the keys delivered
        again are sorted, so a reader's date filter reaches the raw scan for all the others -#}
    {%- set redelivered -%}
        (
            select {{ partition_by }}, 1 as _redelivered
            from {{ relation }}
            group by {{ partition_by }}
            having count(*) > 1
        )
    {%- endset %}
    {%- set same_key -%}
        {%- for column in key_columns %}
            {{ 'and ' if not loop.first }}src.{{ column }} is not distinct from redelivered.{{ column }}
        {%- endfor %}
    {%- endset %}
    select
        src.*,
        1 as _delivery_rank
    from {{ relation }} as src
    left join {{ redelivered }} as redelivered
        on {{ same_key }}
    where redelivered._redelivered is null
    union all
    select ranked.*
    from (
        select
            src.*,
            row_number() over (
                partition by src.{{ key_columns | join(', src.') }}
                order by src.{{ newest_first | replace(', ', ', src.') }}
            ) as _delivery_rank
        from {{ relation }} as src
        inner join {{ redelivered }} as redelivered
            on {{ same_key }}
    ) as ranked
    where ranked._delivery_rank = 1
    {%- endif %}
{%- endmacro %}
