{#- R34 building block: the connected components of the linked persons (int_covisit_links_paired) of
    each institution × quarter, found in portable SQL (no recursive CTE, which Spark lacks): min-label
    propagation unrolled by Jinja into gang_max_steps steps. Every person starts with its own psn_no as
    label; each step gives every person the smallest label among itself and its linked persons. After
    as many steps as the longest shortest path from a component's smallest member, every member carries
    that smallest psn_no, and a further step changes nothing.

    One row per institution × quarter × linked person: its component label (the smallest psn_no of its
    component) and label_settled = the last step left its label unchanged. A false label_settled means
    gang_max_steps was too small for the data: the labels are not yet components. The data test on
    label_settled fails the build then, and vio_r34 refuses to return hits.

    A table: vio_r34 reads it several times, and Spark inlines views — with every unrolled step at each
    reference its analyser ran out of memory on the view. -#}
{{ config(materialized='table') }}
{%- set steps = var('gang_max_steps') | int(10) -%}
{%- if steps < 1 -%}
    {{ exceptions.raise_compiler_error("gang_max_steps must be at least 1, not " ~ steps) }}
{%- endif %}

with

links as (
    select * from {{ ref('int_covisit_links_paired') }}
),

persons as (
    select
        fixmedins_code,
        quarter_start,
        psn_no_a as psn_no
    from links
    union
    select
        fixmedins_code,
        quarter_start,
        psn_no_b as psn_no
    from links
),

-- each person's neighbourhood: its linked persons in both directions, and itself
neighbours as (
    select
        fixmedins_code,
        quarter_start,
        psn_no_a as psn_no,
        psn_no_b as neighbour_psn_no
    from links
    union all
    select
        fixmedins_code,
        quarter_start,
        psn_no_b as psn_no,
        psn_no_a as neighbour_psn_no
    from links
    union all
    select
        fixmedins_code,
        quarter_start,
        psn_no,
        psn_no as neighbour_psn_no
    from persons
),

labels_0 as (
    select
        fixmedins_code,
        quarter_start,
        psn_no,
        psn_no as component_label
    from persons
),
{% for step in range(1, steps + 1) %}
labels_{{ step }} as (
    select
        neighbours.fixmedins_code,
        neighbours.quarter_start,
        neighbours.psn_no,
        min(labels_{{ step - 1 }}.component_label) as component_label
    from neighbours
    inner join labels_{{ step - 1 }}
        on
            neighbours.fixmedins_code = labels_{{ step - 1 }}.fixmedins_code
            and neighbours.quarter_start = labels_{{ step - 1 }}.quarter_start
            and neighbours.neighbour_psn_no = labels_{{ step - 1 }}.psn_no
    group by neighbours.fixmedins_code, neighbours.quarter_start, neighbours.psn_no
),
{% endfor %}
final as (
    select
        last_step.fixmedins_code,
        last_step.quarter_start,
        last_step.psn_no,
        last_step.component_label,
        last_step.component_label = step_before.component_label as label_settled,
        {{ steps }} as propagation_steps
    from labels_{{ steps }} as last_step
    inner join labels_{{ steps - 1 }} as step_before
        on
            last_step.fixmedins_code = step_before.fixmedins_code
            and last_step.quarter_start = step_before.quarter_start
            and last_step.psn_no = step_before.psn_no
)

select * from final
