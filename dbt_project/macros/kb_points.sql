{#-
    Knowledge points (KNOWLEDGE_BASE.md "How a rule reads points"): the pieces every rule view that
    reads delivered points (dim_kb_point, dim_kb_point_code) shares, so the join and the evidence are
    written once.

    kb_point_lines(rule_code, lines, points, point_codes, date_column='occurred_on',
                   code_column='hilist_code', side='A', parameters=[])
        A select of the rows of `lines` (a CTE or relation) joined with the current points of
        `rule_code` whose side-`side` hilist codes name the row's item, and whose validity covers the
        row's date. Codes first: the rows meet dim_kb_point_code on the code (an equality join), and
        only the few points found that way meet dim_kb_point — a national-size knowledge base never
        meets every line. Adds the point's identity as kb_point_id, kb_national_rule_code,
        kb_rule_name, kb_source, kb_batch, kb_item_name, kb_condition_text, kb_result_level, and each
        of `parameters` (dim_kb_point columns) as kb_<parameter>. One row per line × point (a point
        naming the item twice, impossible by its key, would still give one row).
    kb_point_entry(broken=[])
        One element of evidence.kb_points for a row carrying the kb_ columns above: kb_point_id,
        national_rule_code, rule_name, source, batch, item_name, condition_text, result_level, then
        `broken` ([key, expression] pairs: the parameter the event broke and what it was checked
        against).
    kb_points_agg(broken=[])
        Aggregate: the JSON array of kb_point_entry(broken) over the group's rows that carry a point
        (kb_point_id not null), ordered by kb_point_id; an empty array when none does (catalogue-only
        hits carry "kb_points": [] — the key is always there, so readers need not test for it).
    kb_result_level(point_level, catalogue_broken, default_level)
        A hit's result_level: '1' when a broken point is '1', else the catalogue default when a
        catalogue column or seed was broken too (the catalogue's own restrictions are points of
        source 医保目录 with the rule's default level), else the broken points' level.
        `point_level` = min(kb_result_level) over the hit's broken points (null: none).
    icd10_key(expression)
        An ICD-10 code or prefix as the knowledge base compares it: without dots and spaces, upper case.
    icd10_prefix_lengths()
        A relation of the join-key lengths 1, 2, 3 (column key_length). ICD-10 prefix matching joins a
        diagnosis on the first min(3, length(prefix)) characters of the prefix (an equality join, one
        diagnosis row per key length), then tests the whole prefix: a diagnosis meets only the
        prefixes sharing its first characters, never every prefix of the knowledge base.
-#}

{% macro kb_point_lines(rule_code, lines, points, point_codes, date_column='occurred_on',
                        code_column='hilist_code', side='A', parameters=[]) -%}
    select
        point_lines.*,
        kb.kb_point_id,
        kb.national_rule_code as kb_national_rule_code,
        kb.rule_name as kb_rule_name,
        kb.source as kb_source,
        kb.batch as kb_batch,
        kb.item_name as kb_item_name,
        kb.condition_text as kb_condition_text,
        kb.result_level as kb_result_level
        {%- for parameter in parameters %},
        kb.{{ parameter }} as kb_{{ parameter }}
        {%- endfor %}
    from {{ lines }} as point_lines
    inner join {{ point_codes }} as kb_code
        on point_lines.{{ code_column }} = kb_code.code
    inner join {{ points }} as kb
        on kb_code.kb_point_id = kb.kb_point_id
    where
        kb_code.rule_code = '{{ rule_code }}'
        and kb_code.side = '{{ side }}'
        and kb_code.code_type = 'hilist'
        and kb.rule_code = '{{ rule_code }}'
        and point_lines.{{ date_column }} >= kb.valid_from
        and point_lines.{{ date_column }} <= kb.valid_to
{%- endmacro %}


{% macro kb_point_entry(broken=[]) -%}
    {{ return(json_object([
        ['kb_point_id', 'kb_point_id'],
        ['national_rule_code', 'kb_national_rule_code'],
        ['rule_name', 'kb_rule_name'],
        ['source', 'kb_source'],
        ['batch', 'kb_batch'],
        ['item_name', 'kb_item_name'],
        ['condition_text', 'kb_condition_text'],
        ['result_level', 'kb_result_level'],
    ] + broken)) }}
{%- endmacro %}


{% macro kb_points_agg(broken=[]) -%}
    {{ return(adapter.dispatch('kb_points_agg')(broken)) }}
{%- endmacro %}

{% macro default__kb_points_agg(broken) -%}
    sort_array(collect_list(case when kb_point_id is not null then {{ kb_point_entry(broken) }} end))
{%- endmacro %}

{% macro duckdb__kb_points_agg(broken) -%}
    coalesce(
        to_json(list({{ kb_point_entry(broken) }} order by kb_point_id) filter (where kb_point_id is not null)),
        cast('[]' as json)
    )
{%- endmacro %}


{% macro kb_result_level(point_level, catalogue_broken, default_level) -%}
    case
        when {{ point_level }} = '1' then '1'
        when {{ catalogue_broken }} then {{ default_level }}
        else coalesce({{ point_level }}, {{ default_level }})
    end
{%- endmacro %}


{% macro icd10_key(expression) -%}
    upper(replace(replace(trim({{ expression }}), '.', ''), ' ', ''))
{%- endmacro %}


{% macro icd10_prefix_lengths() -%}
    select 1 as key_length
    union all
    select 2 as key_length
    union all
    select 3 as key_length
{%- endmacro %}


{#- kb_breaches_by_line(breaches, broken=[], amount='breach_amount'): the body of a CTE grouping a
    knowledge-driven line rule's breaches (one row per billed line × point it broke, with the kb_
    columns of kb_point_lines) into one row per line: billed_line_key, breach_amount (the largest
    amount any breach puts in question — never a line counted twice), point_result_level (min over
    the points: '1' when any is '1'), broken_point_count and kb_points (kb_points_agg(broken)). -#}
{% macro kb_breaches_by_line(breaches, broken=[], amount='breach_amount') -%}
    select
        billed_line_key,
        max({{ amount }}) as breach_amount,
        min(kb_result_level) as point_result_level,
        count(*) as broken_point_count,
        {{ kb_points_agg(broken) }} as kb_points
    from {{ breaches }}
    group by billed_line_key
{%- endmacro %}


{#- kb_no_points(): an empty kb_points array (a catalogue-only hit of a view whose other hits carry
    points); kb_points_or_empty(expression): expression, or that empty array when it is null (a hit
    left-joined to the points it broke, none). -#}
{% macro kb_no_points() -%}
    {{ return(adapter.dispatch('kb_no_points')()) }}
{%- endmacro %}

{% macro default__kb_no_points() -%}
    array()
{%- endmacro %}

{% macro duckdb__kb_no_points() -%}
    cast('[]' as json)
{%- endmacro %}

{% macro kb_points_or_empty(expression) -%}
    coalesce({{ expression }}, {{ kb_no_points() }})
{%- endmacro %}
