{#-
    code_list(expr, upper=false, strip_dots=false)

    A delivered list of codes as one canonical string: separators `;`, `,` (the loader has already
    folded the full-width ；and ，), the ideographic `、` and spaces become a single `;`, empty items
    are dropped, and the list never starts or ends with `;`. `upper` upper-cases it and `strip_dots`
    removes dots (ICD-10 prefixes are compared without dots, case-insensitive: KNOWLEDGE_BASE.md).
    Empty = null. Portable: replace() and standard trim() run on DuckDB and Spark alike.
-#}
{% macro code_list(expr, upper=false, strip_dots=false) -%}
    {%- set value = expr -%}
    {%- if upper %}{% set value = 'upper(' ~ value ~ ')' %}{% endif -%}
    {%- if strip_dots %}{% set value = "replace(" ~ value ~ ", '.', '')" %}{% endif -%}
    {%- set value = "replace(replace(replace(replace(replace(" ~ value
        ~ ", ' ', ''), '；', ';'), '，', ';'), ',', ';'), '、', ';')" -%}
    {#- three halvings collapse up to eight separators in a row -#}
    {%- set value = "replace(replace(replace(" ~ value ~ ", ';;', ';'), ';;', ';'), ';;', ';')" -%}
    nullif(trim(both ';' from {{ value }}), '')
{%- endmacro %}


{#- One ICD-10 code or prefix as the rules compare it: upper case, without dots and spaces. -#}
{% macro icd10_code(expr) -%}
    nullif(replace(replace(upper({{ expr }}), '.', ''), ' ', ''), '')
{%- endmacro %}
