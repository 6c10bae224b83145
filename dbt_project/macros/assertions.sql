{#-
    fail_when(condition, message): an expression that is NULL while `condition` is false and stops
    the query with `message` (a SQL string literal, quotes included) as soon as a row makes it true —
    an assertion inside a model, for invariants a wrong result must never pass silently (e.g. a
    bounded iteration that did not converge). Use it in a WHERE clause:
    `where {{ fail_when('x > 0', "'x must not be positive'") }} is null`.
    DuckDB raises with error(), Spark (3.1+) with raise_error().
-#}
{% macro fail_when(condition, message) -%}
    {{ return(adapter.dispatch('fail_when', 'yibao')(condition, message)) }}
{%- endmacro %}

{% macro default__fail_when(condition, message) -%}
    (case when {{ condition }} then raise_error({{ message }}) end)
{%- endmacro %}

{% macro duckdb__fail_when(condition, message) -%}
    (case when {{ condition }} then error({{ message }}) end)
{%- endmacro %}
