{#- money(expr): yuan as decimal(18,2), rounded half away from zero on both engines. -#}
{% macro money(expr) -%}
    cast(round({{ expr }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- qty(expr): counts and unit prices as decimal(18,4), the raw layer's type. -#}
{% macro qty(expr) -%}
    cast({{ expr }} as decimal(18, 4))
{%- endmacro %}
