{#- The uniform output of a rule view (RULES.md) in one pass: its key hit_id is unique and not
    null, and rule_code, fixmedins_code, occurred_on and suspect_amount are filled.

    One query instead of six column tests because a rule view is a view: every test re-runs the
    rule over all fee lines, and six tests per view cost five times what building every hit once
    does (README "Performance"). fct_rule_hits, the table of all hits, carries the column tests too.
    A failing row names the hit_id and what is wrong with it. -#}
{% test rule_output(model) %}
    with

    per_hit as (
        select
            hit_id,
            count(*) as row_count,
            sum(
                case
                    when
                        rule_code is null
                        or fixmedins_code is null
                        or occurred_on is null
                        or suspect_amount is null
                        then 1
                    else 0
                end
            ) as rows_missing_required
        from {{ model }}
        group by hit_id
    )

    select *
    from per_hit
    where hit_id is null or row_count > 1 or rows_missing_required > 0
{% endtest %}
