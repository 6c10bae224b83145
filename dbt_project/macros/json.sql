{#-
    JSON evidence, portable through adapter.dispatch (RULES.md: evidence is a JSON string).

    json_object(pairs)            pairs = list of [key, sql_expression]; a JSON object value
    json_array_agg(expr, order)   aggregate: JSON array of expr, ordered by `order` where the
                                  engine can (Spark: sort_array, so put the ordering field first)
    json_to_string(expr)          the final JSON text

    DuckDB builds JSON values with json_object and to_json(list(...)); the default (Spark) builds
    structs with named_struct / collect_list and serialises once with to_json.
-#}
{% macro json_object(pairs) -%}
    {{ return(adapter.dispatch('json_object')(pairs)) }}
{%- endmacro %}

{% macro default__json_object(pairs) -%}
    named_struct(
    {%- for pair in pairs %}
        '{{ pair[0] }}', {{ pair[1] }}{{ "," if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{% macro duckdb__json_object(pairs) -%}
    json_object(
    {%- for pair in pairs %}
        '{{ pair[0] }}', {{ pair[1] }}{{ "," if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}


{% macro json_array_agg(expr, order_by=none) -%}
    {{ return(adapter.dispatch('json_array_agg')(expr, order_by)) }}
{%- endmacro %}

{% macro default__json_array_agg(expr, order_by=none) -%}
    sort_array(collect_list({{ expr }}))
{%- endmacro %}

{% macro duckdb__json_array_agg(expr, order_by=none) -%}
    to_json(list({{ expr }}{% if order_by %} order by {{ order_by }}{% endif %}))
{%- endmacro %}


{% macro json_to_string(expr) -%}
    {{ return(adapter.dispatch('json_to_string')(expr)) }}
{%- endmacro %}

{% macro default__json_to_string(expr) -%}
    to_json({{ expr }})
{%- endmacro %}

{% macro duckdb__json_to_string(expr) -%}
    cast({{ expr }} as varchar)
{%- endmacro %}



{#- select_evidence_kb_points(hits): hit_id and the kb_point_id of every knowledge point in the hit's
    evidence (its `kb_points` array), one row each, from a relation or CTE `hits` with hit_id and
    evidence; hits whose evidence names no point give no row. -#}
{% macro select_evidence_kb_points(hits) -%}
    {{ return(adapter.dispatch('select_evidence_kb_points')(hits)) }}
{%- endmacro %}

{% macro default__select_evidence_kb_points(hits) -%}
    select
        hit_id,
        point.kb_point_id
    from {{ hits }}
    lateral view explode(
        from_json(get_json_object(evidence, '$.kb_points'), 'array<struct<kb_point_id:string>>')
    ) listed_points as point
{%- endmacro %}

{% macro duckdb__select_evidence_kb_points(hits) -%}
    select
        hit_id,
        unnest(cast(json_extract_string(evidence, '$.kb_points[*].kb_point_id') as varchar [])) as kb_point_id
    from {{ hits }}
{%- endmacro %}
