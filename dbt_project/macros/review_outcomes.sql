{#-
    Review outcomes of rule hits (case_hit_review; docs: rpt_rule_effectiveness_quarterly), shared by the
    per-rule and per-knowledge-point marts.

    review_outcomes_summed(relation, keys)
        A CTE `summed`: per keys × year_number × quarter_number, the hits of `relation` (columns
        suspect_amount, result_level, is_reviewed, decision, confirmed_amt) counted and summed by
        outcome.
    review_outcome_columns(t)
        The select-list of the outcome columns from `summed` aliased t: counts, amounts, 查实率,
        confirmed ÷ suspect amount and the tuning flag (vars effectiveness_min_reviewed,
        effectiveness_min_confirmation_rate).
-#}
{% macro review_outcomes_summed(relation, keys) -%}
summed as (
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        year_number,
        quarter_number,
        count(*) as hit_count,
        sum(suspect_amount) as suspect_amount,
        sum(case when result_level = '1' then 1 else 0 end) as certain_hit_count,
        sum(case when is_reviewed then 1 else 0 end) as reviewed_count,
        sum(case when decision = '1' then 1 else 0 end) as confirmed_count,
        sum(case when decision = '2' then 1 else 0 end) as partly_confirmed_count,
        sum(case when decision = '3' then 1 else 0 end) as excluded_count,
        sum(case when is_reviewed then suspect_amount else 0 end) as reviewed_suspect_amount,
        sum(case when decision in ('1', '2') then coalesce(confirmed_amt, 0) else 0 end) as confirmed_amount
    from {{ relation }}
    group by
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        year_number,
        quarter_number
)
{%- endmacro %}


{% macro review_outcome_columns(t) -%}
    cast({{ t }}.hit_count as bigint) as hit_count,
    {{ money(t ~ '.suspect_amount') }} as suspect_amount,
    cast({{ t }}.certain_hit_count as bigint) as certain_hit_count,
    cast({{ t }}.reviewed_count as bigint) as reviewed_count,
    cast({{ t }}.hit_count - {{ t }}.reviewed_count as bigint) as unreviewed_count,
    cast({{ t }}.confirmed_count as bigint) as confirmed_count,
    cast({{ t }}.partly_confirmed_count as bigint) as partly_confirmed_count,
    cast({{ t }}.excluded_count as bigint) as excluded_count,
    case
        when {{ t }}.reviewed_count > 0
            then cast(round(
                1.0 * ({{ t }}.confirmed_count + {{ t }}.partly_confirmed_count) / {{ t }}.reviewed_count, 4
            ) as decimal(9, 4))
    end as confirmation_rate,
    {{ money(t ~ '.reviewed_suspect_amount') }} as reviewed_suspect_amount,
    {{ money(t ~ '.confirmed_amount') }} as confirmed_amount,
    case
        when {{ t }}.reviewed_suspect_amount > 0
            then cast(round(1.0 * {{ t }}.confirmed_amount / {{ t }}.reviewed_suspect_amount, 4) as decimal(9, 4))
    end as confirmed_amount_share,
    case
        when {{ t }}.reviewed_count > 0 and {{ t }}.reviewed_count >= {{ var('effectiveness_min_reviewed') }}
            then 1.0 * ({{ t }}.confirmed_count + {{ t }}.partly_confirmed_count) / {{ t }}.reviewed_count
            < {{ var('effectiveness_min_confirmation_rate') }}
        else false
    end as is_flagged_for_tuning
{%- endmacro %}
