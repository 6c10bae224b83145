{#-
    Clue helpers (shared/docs/RULES.md "Clue level (线索)").

    clue_id(fixmedins_col, date_col)
        'CL-<fixmedins_code>-<YYYY>Q<q>': the institution and the calendar quarter of the date. The
        same institution-quarter gives the same id on every run and on every engine, so stages that
        supervisors record against it in the case_clue feed stay attached.
    is_working_day(date_col, day_type_col)
        Boolean: a 调休 make-up working day (day_type 'workday') is a working day, a 放假 day
        ('holiday') is not, any other day is a working day Monday to Friday. day_type_col is the
        cn_public_holidays seed's day_type, left-joined on the date (NULL when not listed).
-#}
{% macro clue_id(fixmedins_col, date_col) -%}
    {{ dbt.concat([
        "'CL-'",
        fixmedins_col,
        "'-'",
        "cast(extract(year from " ~ date_col ~ ") as " ~ dbt.type_string() ~ ")",
        "'Q'",
        "cast(extract(quarter from " ~ date_col ~ ") as " ~ dbt.type_string() ~ ")",
    ]) }}
{%- endmacro %}


{% macro is_working_day(date_col, day_type_col) -%}
    case
        when {{ day_type_col }} = 'workday' then true
        when {{ day_type_col }} = 'holiday' then false
        else {{ iso_weekday(date_col) }} <= 5
    end
{%- endmacro %}


{#- try_integer(expr): the integer value of a text, NULL when it is not one (Spark >= 3.2 and
    DuckDB both spell it try_cast; dbt.safe_cast is a plain cast on dbt-duckdb, which fails). -#}
{% macro try_integer(expr) -%}
    {{ return(adapter.dispatch('try_integer')(expr)) }}
{%- endmacro %}

{% macro default__try_integer(expr) -%}
    try_cast({{ expr }} as int)
{%- endmacro %}

{% macro duckdb__try_integer(expr) -%}
    try_cast({{ expr }} as integer)
{%- endmacro %}


{#- working_days_numbered(bounds, holidays): a select of every day from bounds.start_date to
    bounds.end_date (a one-row relation) with is_working_day (macro is_working_day over the
    cn_public_holidays relation `holidays`) and working_day_number, the running count of working days
    up to and including the day: the Nth working day after d is the working day numbered number(d) + N.
    Serves the 要情 report due dates (mart_clues) and the stage deadlines (int_working_days_numbered). -#}
{% macro working_days_numbered(bounds, holidays) -%}
    select
        date_day,
        is_working_day,
        sum(case when is_working_day then 1 else 0 end) over (
            order by date_day
            rows between unbounded preceding and current row
        ) as working_day_number
    from (
        select
            days.date_day,
            {{ is_working_day('days.date_day', holidays ~ '.day_type') }} as is_working_day
        from ({{ day_series('start_date', 'end_date', bounds) }}) as days
        left join {{ holidays }}
            on days.date_day = {{ holidays }}.calendar_date
    ) as flagged
{%- endmacro %}
