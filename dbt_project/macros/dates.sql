{#-
    Date helpers that differ between engines.

    period_start(col)        'YYYYMM' delivery period -> first day of that month (portable)
    day_series(start, end)   a select of one column `date_day` from start to end inclusive
    iso_weekday(col)         1 = Monday … 7 = Sunday
-#}
{% macro period_start(col) -%}
    cast({{ dbt.concat([
        "substring(" ~ col ~ ", 1, 4)",
        "'-'",
        "substring(" ~ col ~ ", 5, 2)",
        "'-01'",
    ]) }} as date)
{%- endmacro %}


{% macro day_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_series')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_series(start_date, end_date) -%}
    select explode(sequence({{ start_date }}, {{ end_date }}, interval 1 day)) as date_day
{%- endmacro %}

{% macro duckdb__day_series(start_date, end_date) -%}
    select cast(unnest(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval 1 day
    )) as date) as date_day
{%- endmacro %}


{% macro iso_weekday(col) -%}
    {{ return(adapter.dispatch('iso_weekday')(col)) }}
{%- endmacro %}

{% macro default__iso_weekday(col) -%}
    (weekday({{ col }}) + 1)
{%- endmacro %}

{% macro duckdb__iso_weekday(col) -%}
    isodow({{ col }})
{%- endmacro %}
