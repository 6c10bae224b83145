{#- The uniform output of the rule hits (RULES.md) in one pass: the key hit_id is unique and not
    null, and rule_code, fixmedins_code, occurred_on, suspect_amount and result_level ('1' or '2') are filled.

    On fct_rule_hits it checks every hit. On a rule view vio_rNN_* it checks that rule's rows of
    fct_rule_hits, which are the view's rows (fct_rule_hits inserts each view as it is): a test that
    selected from the view itself would evaluate the rule a second time — at 10M fee lines the tests
    cost half as much again as building every hit (README "Performance"). The test therefore runs
    after fct_rule_hits (dbt orders a test after all the models it reads) and names the rule's view.
    A failing row names the rule and the hit_id and says what is wrong with it. -#}
{% test rule_output(model) %}
    {%- set name = model.identifier -%}
    {%- set rule_code = name[4:7] | upper if name.startswith('vio_r') else none %}
    with

    per_hit as (
        select
            rule_code,
            hit_id,
            count(*) as row_count,
            sum(
                case
                    when
                        rule_code is null
                        or fixmedins_code is null
                        or occurred_on is null
                        or suspect_amount is null
                        or result_level is null
                        or result_level not in ('1', '2')
                        then 1
                    else 0
                end
            ) as rows_missing_required
        from {{ ref('fct_rule_hits') }}
        {%- if rule_code %}
        where rule_code = '{{ rule_code }}'
        {%- endif %}
        group by rule_code, hit_id
    )

    select *
    from per_hit
    where hit_id is null or row_count > 1 or rows_missing_required > 0
{% endtest %}
