{#-
    Date helpers that differ between engines.

    period_start(col)        'YYYYMM' delivery period -> first day of that month (portable)
    day_series(start_col, end_col, relation)
                             select of one column `date_day`, every day from start_col to
                             end_col inclusive, for each row of relation
    iso_weekday(col)         1 = Monday … 7 = Sunday
    month_number(col)        year × 12 + month of a date or timestamp: consecutive months differ by 1 (portable)
-#}
{% macro period_start(col) -%}
    cast({{ dbt.concat([
        "substring(" ~ col ~ ", 1, 4)",
        "'-'",
        "substring(" ~ col ~ ", 5, 2)",
        "'-01'",
    ]) }} as date)
{%- endmacro %}


{% macro month_number(col) -%}
    (extract(year from {{ col }}) * 12 + extract(month from {{ col }}))
{%- endmacro %}


{% macro day_series(start_col, end_col, relation) -%}
    {{ return(adapter.dispatch('day_series')(start_col, end_col, relation)) }}
{%- endmacro %}

{% macro default__day_series(start_col, end_col, relation) -%}
    select explode(sequence({{ start_col }}, {{ end_col }}, interval 1 day)) as date_day
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__day_series(start_col, end_col, relation) -%}
    select cast(unnest(generate_series(
        cast({{ start_col }} as timestamp),
        cast({{ end_col }} as timestamp),
        interval 1 day
    )) as date) as date_day
    from {{ relation }}
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


{#- year_quarter('year_number', 'quarter_number') -> '2025Q1': the quarter label every mart shows -#}
{% macro year_quarter(year_col, quarter_col) -%}
    {{ dbt.concat([
        'cast(' ~ year_col ~ ' as ' ~ dbt.type_string() ~ ')',
        "'Q'",
        'cast(' ~ quarter_col ~ ' as ' ~ dbt.type_string() ~ ')',
    ]) }}
{%- endmacro %}


{#- the first day of a calendar quarter, as a date BI tools can filter and sort on -#}
{% macro quarter_start_date(year_col, quarter_col) -%}
    cast(make_date(cast({{ year_col }} as integer), cast({{ quarter_col }} as integer) * 3 - 2, 1) as date)
{%- endmacro %}
