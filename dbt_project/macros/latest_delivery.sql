{#-
    latest_delivery(relation, key_columns, snapshot=false)

    "The latest delivery wins" (DATA_CONTRACT.md §1): raw keeps every delivered row, and the
    same key may arrive in several periods. This returns one row per key — the row of the newest
    period, then the newest load, then the last line of the file — as a subquery-shaped select.

    snapshot=true (reference feeds, full monthly snapshots) also returns
      first_period_seen / last_period_seen  periods in which the key was delivered,
      is_current                            the key is present in the feed's newest period.

    Portable SQL only (window functions in a subquery; no QUALIFY), so it runs on Spark as is.
-#}
{% macro latest_delivery(relation, key_columns, snapshot=false) -%}
    {%- set partition_by = key_columns | join(', ') -%}
    select ranked.*
    from (
        select
            src.*,
            row_number() over (
                partition by {{ partition_by }}
                order by src._period desc, src._loaded_at desc, src._line desc
            ) as _delivery_rank
            {%- if snapshot %},
            min(src._period) over (partition by {{ partition_by }}) as first_period_seen,
            max(src._period) over (partition by {{ partition_by }}) as last_period_seen,
            max(src._period) over () as _newest_period
            {%- endif %}
        from {{ relation }} as src
    ) as ranked
    where ranked._delivery_rank = 1
{%- endmacro %}
