{#-
    Pseudonymisation and masking of personal data (DESIGN.md "Personal data", RELIABILITY.md 4).

    psn_key(col)          HMAC-SHA256(secret, certno). The secret never reaches SQL: the engine
                          must provide a function yibao_psn_key(string) -> string. On DuckDB the
                          dbt-duckdb plugin warehouse/dbt_plugin.py registers it on every connection;
                          on Spark register the same Python function as a session UDF
                          (spark.udf.register('yibao_psn_key', ...)) before dbt runs.
    mask_certno(col)      110105********002X: first 6 and last 4 characters kept.
    mask_name(col)        张*: first character kept, every other character replaced by '*'.
-#}
{% macro psn_key(col) -%}
    {{ return(adapter.dispatch('psn_key')(col)) }}
{%- endmacro %}

{% macro default__psn_key(col) -%}
    yibao_psn_key({{ col }})
{%- endmacro %}

{% macro duckdb__psn_key(col) -%}
    yibao_psn_key(cast({{ col }} as varchar))
{%- endmacro %}


{% macro mask_certno(col) -%}
    {{ return(adapter.dispatch('mask_certno')(col)) }}
{%- endmacro %}

{% macro default__mask_certno(col) -%}
    case
        when {{ col }} is null then null
        when {{ dbt.length(col) }} <= 10 then repeat('*', {{ dbt.length(col) }})
        else {{ dbt.concat([
            "substring(" ~ col ~ ", 1, 6)",
            "repeat('*', " ~ dbt.length(col) ~ " - 10)",
            dbt.right(col, "4"),
        ]) }}
    end
{%- endmacro %}


{% macro mask_name(col) -%}
    {{ return(adapter.dispatch('mask_name')(col)) }}
{%- endmacro %}

{% macro default__mask_name(col) -%}
    case
        when {{ col }} is null then null
        when {{ dbt.length(col) }} <= 1 then '*'
        else {{ dbt.concat([
            "substring(" ~ col ~ ", 1, 1)",
            "repeat('*', " ~ dbt.length(col) ~ " - 1)",
        ]) }}
    end
{%- endmacro %}
