{#-
    percentile_cont(expr, fraction): aggregate, the `fraction` quantile of expr with linear
    interpolation between the two nearest values (the continuous percentile: position
    fraction × (n − 1) in the sorted values, as PERCENTILE_CONT in SQL:2003). NULLs are ignored.
    DuckDB spells it quantile_cont, Spark percentile (exact, the same interpolation); both take
    a double. The median is percentile_cont(expr, 0.5).
-#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'yibao')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
    percentile(cast({{ expr }} as double), {{ fraction }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expr, fraction) -%}
    quantile_cont(cast({{ expr }} as double), {{ fraction }})
{%- endmacro %}
