{#-
    Incremental rule hits (DuckDB). fct_rule_hits keeps every rule's hits and, on each run,
    re-evaluates a rule only from the first date its inputs can have changed the hits:

    * what a rule view reads is fingerprinted — row count and an order-free sum of row hashes: a
      relation for which a rule declares a date (meta recompute.dated_inputs) per month of that
      date, other tables, incremental models and seeds as a whole, and views through what they
      read, down to tables, seeds and the raw sources (rule_input_keys()); the rule view's own SQL
      is fingerprinted too (a changed rule or parameter);
    * the fingerprints of the last build are kept in build_state.fct_rule_hits__built_from, and what the last
      run evaluated per rule ('all hits', 'hits from <date>', 'unchanged') in build_state.fct_rule_hits__last_run;
    * per rule: nothing changed → not evaluated; a whole-relation input or the view changed →
      all its hits again; only dated months changed → hits from the first changed month minus the
      rule's recompute.reach_days (how far before a changed row a hit it decides can lie);
    * the rule's hits from that date are deleted and re-inserted from the view, with the session
      variable yibao_hits_from set: the view's hits_window() predicates then let DuckDB read only
      the rows from that date minus the rule's look-back (zone maps), instead of all history.

    A rule without recompute meta is evaluated whole whenever any of its inputs changed. The
    meaning stays that of a full rebuild — tests/test_incremental.py and `make bench-incremental`
    compare the two row for row.
-#}

{#- In a rule view: "only rows needed for hits from yibao_hits_from on" (look-back in days).
    Unset (every reader but the incremental fill), it is true for every row. -#}
{% macro hits_window(date_column, lookback_days=0) -%}
    {{ return(adapter.dispatch('hits_window', 'yibao')(date_column, lookback_days)) }}
{%- endmacro %}

{% macro default__hits_window(date_column, lookback_days) -%}
    1 = 1
{%- endmacro %}

{% macro duckdb__hits_window(date_column, lookback_days) -%}
    {{ date_column }} >= coalesce(getvariable('yibao_hits_from'), date '0001-01-01') - {{ lookback_days | int }}
{%- endmacro %}


{#- The post-hook SQL that fills fct_rule_hits on DuckDB (run time: needs the graph). -#}
{% macro fill_rule_hits(views, hit_columns) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set state = build_state('__built_from') -%}
    {%- set last_run = build_state('__last_run') -%}
    {%- set full = not is_incremental() -%}
    {%- set columns = hit_columns | join(', ') -%}
    {#- rules reading a feed that failed the quality gate (orchestration/lineage.py): not evaluated,
        their hits kept; the fingerprints of what they read stay those of their last evaluation, so
        the run after the correction re-evaluates them from every change they missed -#}
    {%- set blocked = var('blocked_rules', {}) -%}

    {#- the date each relation is fingerprinted by, where a rule declares one (one per relation) -#}
    {%- set dated = {} -%}
    {%- for name in views -%}
        {%- set recompute = graph.nodes['model.' ~ project_name ~ '.' ~ name].config.meta.get('recompute') or {} -%}
        {%- for input, column in (recompute.get('dated_inputs') or {}).items() -%}
            {%- if dated.get(input, column) != column -%}
                {{ exceptions.raise_compiler_error(
                    "rule views declare two dates for " ~ input ~ ": " ~ dated[input] ~ " and " ~ column
                    ~ " (meta.recompute.dated_inputs); fingerprints need one") }}
            {%- endif -%}
            {%- do dated.update({input: column}) -%}
        {%- endfor -%}
    {%- endfor -%}

    {#- each rule: its code, view relation, reach, and the fingerprint keys it reads -#}
    {%- set rules = [] -%}
    {%- set keys = {} -%}
    {%- for name in views -%}
        {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
        {%- set recompute = node.config.meta.get('recompute') -%}
        {%- set own_dates = recompute.get('dated_inputs', {}) if recompute else {} -%}
        {%- set uses = [] -%}
        {%- for dep_id in node.depends_on.nodes -%}
            {%- for key in rule_input_keys(dep_id, dated, keys) -%}
                {%- do uses.append({'key': key, 'dated': keys[key].column is not none
                                                       and keys[key].name in own_dates}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set code = rule_code_of(name) -%}
        {%- do rules.append({
            'code': code, 'name': name, 'relation': node.relation_name,
            'reach': recompute.get('reach_days', 0) if recompute else none, 'uses': uses,
            'blocked': blocked.get(code)
        }) -%}
    {%- endfor %}
    {%- set kept_keys = [] -%}
    {%- set live_keys = [] -%}
    {%- for rule in rules -%}
        {%- for use in rule.uses + [{'key': 'view:' ~ rule.name}] -%}
            {%- do (kept_keys if rule.blocked else live_keys).append(use.key) -%}
        {%- endfor -%}
    {%- endfor %}

{{ create_build_state_schema() }};
create table if not exists {{ state }} (
    input_key varchar, month_start date, row_count bigint, fingerprint hugeint
);

create or replace temp table rule_hits_inputs_now as
{%- for key, input in keys | dictsort if key in live_keys %}
select
    '{{ key }}' as input_key,
    {{ 'cast(date_trunc(\'month\', t.' ~ input.column ~ ') as date)' if input.column else 'cast(null as date)' }}
        as month_start,
    count(*) as row_count,
    coalesce(sum(hash(t)), 0) as fingerprint
from {{ input.relation }} as t
group by 1, 2
union all
{%- endfor %}
select
    'view:' || view_name as input_key,
    cast(null as date) as month_start,
    1 as row_count,
    hash(sql) as fingerprint
from duckdb_views()
where
    database_name = '{{ this.database }}'
    and schema_name = '{{ this.schema }}'
    and view_name in ('{{ views | join("', '") }}');

create or replace temp table rule_hits_recompute as
with

changed as (
    select coalesce(now.input_key, built.input_key) as input_key, coalesce(now.month_start, built.month_start) as month_start
    from rule_hits_inputs_now as now
    full outer join {{ state }} as built
        on now.input_key = built.input_key and now.month_start is not distinct from built.month_start
    where now.fingerprint is distinct from built.fingerprint or now.row_count is distinct from built.row_count
),

uses (rule_code, input_key, dated, reach_days) as (
    values
    {%- for rule in rules %}
    {%- for use in rule.uses + [{'key': 'view:' ~ rule.name, 'dated': false}] %}
        ('{{ rule.code }}', '{{ use.key }}', {{ use.dated and rule.reach is not none }}, {{ rule.reach or 0 }})
        {{- ',' if not loop.last }}
    {%- endfor %}{{ ',' if not loop.last }}
    {%- endfor %}
)

select
    uses.rule_code,
    {%- if full %}
    date '0001-01-01' as recompute_from
    {%- else %}
    coalesce(min(
        case
            when changed.input_key is null then null
            when uses.dated and changed.month_start is not null then changed.month_start - uses.reach_days
            else date '0001-01-01'
        end
    ), date '9999-12-31') as recompute_from
    {%- endif %}
from uses
left join changed on uses.input_key = changed.input_key
group by uses.rule_code;

{% for rule in rules %}
{%- if rule.blocked %}
-- {{ rule.code }} {{ rule.name }}: not evaluated, reads {{ rule.blocked | join(', ') }} (failed the quality gate)
{%- else %}
-- {{ rule.code }} {{ rule.name }}
set variable yibao_hits_from = (select recompute_from from rule_hits_recompute where rule_code = '{{ rule.code }}');
delete from {{ this }}
where
    rule_code = '{{ rule.code }}'
    and (occurred_on >= getvariable('yibao_hits_from') or getvariable('yibao_hits_from') = date '0001-01-01');
insert into {{ this }} ({{ columns }})
select {{ columns }}
from {{ rule.relation }}
where
    getvariable('yibao_hits_from') < date '9999-12-31'
    and (occurred_on >= getvariable('yibao_hits_from') or getvariable('yibao_hits_from') = date '0001-01-01');
{%- endif %}
{% endfor %}
reset variable yibao_hits_from;

delete from {{ state }}
{%- if kept_keys %}
where input_key not in ('{{ kept_keys | unique | join("', '") }}')
{%- endif %};
insert into {{ state }}
select * from rule_hits_inputs_now
{%- if kept_keys %}
where input_key not in ('{{ kept_keys | unique | join("', '") }}')
{%- endif %};
create or replace table {{ last_run }} as
select
    rule_code,
    case
        {%- for rule in rules if rule.blocked %}
        when rule_code = '{{ rule.code }}' then 'not evaluated: {{ rule.blocked | join(", ") }} failed the quality gate'
        {%- endfor %}
        when recompute_from = date '0001-01-01' then 'all hits'
        when recompute_from = date '9999-12-31' then 'unchanged'
        else 'hits from ' || strftime(recompute_from, '%Y-%m-%d')
    end as evaluated,
    nullif(nullif(recompute_from, date '9999-12-31'), date '0001-01-01') as evaluated_from,
    (select count(*) from {{ this }} as hits where hits.rule_code = rule_hits_recompute.rule_code) as hit_count
from rule_hits_recompute
order by rule_code;
drop table rule_hits_inputs_now;
drop table rule_hits_recompute
{%- endmacro %}


{#- The fingerprint keys a rule input stands for (registered in `keys`): a relation with a declared date
    is fingerprinted by month of it; a table, incremental model or seed as a whole; a view by what it
    reads, down to tables, seeds and raw sources (fingerprinting a view evaluates it — the rule's own
    cost again). -#}
{% macro rule_input_keys(node_id, dated, keys) -%}
    {%- set found = [] -%}
    {%- if node_id.startswith('source.') -%}
        {%- set src = graph.sources[node_id] -%}
        {%- set key = 'source:' ~ src.source_name ~ '.' ~ src.name -%}
        {%- do keys.update({key: {'name': src.name, 'relation': src.relation_name, 'column': none}}) -%}
        {%- do found.append(key) -%}
    {%- else -%}
        {%- set dep = graph.nodes.get(node_id) -%}
        {%- if dep and dep.resource_type in ('model', 'seed') -%}
            {%- if dep.name in dated or dep.resource_type == 'seed'
                or dep.config.materialized in ('table', 'incremental') -%}
                {%- set column = dated.get(dep.name) -%}
                {%- set key = dep.name ~ (':' ~ column if column else '') -%}
                {%- do keys.update({key: {'name': dep.name, 'relation': dep.relation_name, 'column': column}}) -%}
                {%- do found.append(key) -%}
            {%- else -%}
                {%- for upstream in dep.depends_on.nodes -%}
                    {%- for key in rule_input_keys(upstream, dated, keys) if key not in found -%}
                        {%- do found.append(key) -%}
                    {%- endfor -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}


{#- The vio_r* models of this project that `listed` (the rule_views of fct_rule_hits) leaves out, as the
    lines to add; empty when none is missing (run time only: the graph is empty while parsing). A
    listed name that is no model never gets this far: dbt stops parsing at its ref() ("depends on a
    node named … which was not found"). -#}
{% macro unlisted_rule_views(listed) -%}
    {%- set lines = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='name') -%}
            {%- if node.resource_type == 'model'
                and node.package_name == project_name
                and node.name.startswith('vio_r')
                and node.name not in listed -%}
                {%- do lines.append("'" ~ node.name ~ "',") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(lines) }}
{%- endmacro %}


{#- A rule view's rule code: its meta.rule_code, else the R-number of its name (vio_r17_… → R17). -#}
{% macro rule_code_of(view_name) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ view_name) if execute else none -%}
    {%- set meta = node.config.meta if node else {} -%}
    {{ return(meta.get('rule_code') or view_name[4:7] | upper) }}
{%- endmacro %}


{#- No hits, typed as every rule view's output (when every rule's input failed the quality gate). -#}
{% macro empty_rule_hits() -%}
    select * from (
    select
        cast(null as {{ dbt.type_string() }}) as rule_code,
        cast(null as {{ dbt.type_string() }}) as hit_id,
        cast(null as {{ dbt.type_string() }}) as fixmedins_code,
        cast(null as {{ dbt.type_string() }}) as psn_no,
        cast(null as {{ dbt.type_string() }}) as mdtrt_id,
        cast(null as {{ dbt.type_string() }}) as setl_id,
        cast(null as {{ dbt.type_string() }}) as feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        cast(null as date) as occurred_on,
        cast(null as decimal(18, 2)) as suspect_amount,
        cast(null as {{ dbt.type_string() }}) as evidence,
        cast(null as {{ dbt.type_string() }}) as result_level
    ) as no_hits
    where 1 = 0
{%- endmacro %}
