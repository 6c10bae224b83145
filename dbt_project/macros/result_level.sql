{#- The result_level (RULES.md: '1' 明确违规, '2' 可疑) a rule's hits carry when no knowledge point
    decides it: the rule's default_result_level in the rule_catalogue seed, the one place a rule's
    level is written. An uncorrelated scalar subquery, evaluated once per view. Knowledge-driven
    views take the level from the points a hit broke and fall back to this. -#}
{% macro catalogue_result_level(rule_code) -%}
    cast((
        select catalogue.default_result_level
        from {{ ref('rule_catalogue') }} as catalogue
        where catalogue.rule_code = '{{ rule_code }}'
    ) as {{ dbt.type_string() }})
{%- endmacro %}
