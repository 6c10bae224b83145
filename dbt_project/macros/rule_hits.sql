{#-
    Incremental rule hits (DuckDB). fct_rule_hits keeps every rule's hits and, on each run,
    re-evaluates a rule only from the first date its inputs can have changed the hits:

    * what a rule view reads is fingerprinted — row count and an order-free sum of row hashes: a
      relation for which a rule declares a date (meta recompute.dated_inputs) per month of that
      date, one it declares keyed (recompute.keyed_inputs: key, through) per key value, other
      tables, incremental models and seeds as a whole, and views through what they read, down to
      tables, seeds and the raw sources (rule_input_keys()); the rule view's own SQL is
      fingerprinted too (a changed rule or parameter). A declaration may leave out columns the rule
      never reads (ignore: a dimension's snapshot columns, which change every month) and keep only
      the rows of the rule's own code (rule_column: a knowledge point of R25 moves no R12 hit);
    * the fingerprints of the last build are kept in build_state.fct_rule_hits__built_from, and what the last
      run evaluated per rule ('all hits', 'hits from <date>', 'unchanged') in build_state.fct_rule_hits__last_run;
    * per rule: nothing changed → not evaluated; a whole-relation input or the view changed →
      all its hits again; only dated months and keys changed → hits from the first changed month
      minus the rule's recompute.reach_days (how far before a changed row a hit it decides can lie),
      where a changed key counts from the earliest date of the rows it meets in the dated input it
      goes through (a corrected person: that person's first billed line);
    * the rule's hits from that date are deleted and re-inserted from the view, with the session
      variable yibao_hits_from set: the view's hits_window() predicates then let DuckDB read only
      the rows from that date minus the rule's look-back (zone maps), instead of all history;
    * a rule whose hit is decided by the rows of one visit (or other scope: recompute.scope
      {column:, spans: {relation: date | [from, to]}}) is re-evaluated for the scope values that
      reach the changed date instead — those with a span row ending on or after it, a hit on or
      after it, or a row dated on or after it that a build replaced since the rule last read the
      span model's log of them (meta.replaced_log: fct_fee_line; a withdrawn line may have been its
      visit's only one after the date) —, reading from the earliest row of those scope values: a
      stay admitted in November with a line in the new month is judged again whole, a stay
      discharged before it is kept. How far each rule has read a log is in
      build_state.fct_rule_hits__consumed; what every rule has read is deleted from the log.

    A rule without recompute meta is evaluated whole whenever any of its inputs changed. The
    meaning stays that of a full rebuild — tests/test_incremental.py and `make bench-incremental`
    compare the two row for row.
-#}

{#- In a rule view: "only rows needed for hits from yibao_hits_from on" (look-back in days: a number, or
    an SQL expression such as kb_lookback_days()). Unset (every reader but the incremental fill), it is
    true for every row. -#}
{% macro hits_window(date_column, lookback_days=0) -%}
    {{ return(adapter.dispatch('hits_window', 'yibao')(date_column, lookback_days)) }}
{%- endmacro %}

{% macro default__hits_window(date_column, lookback_days) -%}
    1 = 1
{%- endmacro %}

{% macro duckdb__hits_window(date_column, lookback_days) -%}
    {{ date_column }} >= coalesce(getvariable('yibao_hits_from'), date '0001-01-01')
    - {{ lookback_days if lookback_days is string else lookback_days | int }}
{%- endmacro %}

{#- The longest look-back in days that the knowledge points of a rule ask for, as an SQL expression: the
    largest of the given dim_kb_point columns over the rule's points (0 when it has none). Read when the
    view is read, so it is always that of the points the fill evaluates with. -#}
{% macro kb_lookback_days(rule_code, columns) -%}
    (
        select cast(coalesce(max(greatest(
            {%- for c in columns %}coalesce({{ c }}, 0){{ ', ' if not loop.last }}{% endfor -%}
        )), 0) as integer)
        from {{ ref('dim_kb_point') }}
        where rule_code = '{{ rule_code }}'
    )
{%- endmacro %}


{#- The post-hook SQL that fills fct_rule_hits on DuckDB (run time: needs the graph). -#}
{% macro fill_rule_hits(views, hit_columns) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set state = build_state('__built_from') -%}
    {%- set key_state = build_state('__built_from_keys') -%}
    {%- set last_run = build_state('__last_run') -%}
    {%- set full = not is_incremental() -%}
    {%- set columns = hit_columns | join(', ') -%}
    {#- rules reading a feed that failed the quality gate (orchestration/lineage.py): not evaluated,
        their hits kept; the fingerprints of what they read stay those of their last evaluation, so
        the run after the correction re-evaluates them from every change they missed -#}
    {%- set blocked = var('blocked_rules', {}) -%}

    {#- how each relation a rule declares in meta.recompute is fingerprinted (one way per relation, whichever
        rule declares it): dated_inputs {relation: date column} or {relation: {date:, ignore: [columns],
        rule_column:}}, keyed_inputs {relation: {key:, through:, ignore: [columns], rule_column:}} -#}
    {%- set specs = {} -%}
    {%- for name in views -%}
        {%- for input, spec in recompute_specs(name).items() -%}
            {%- if input in specs and specs[input] != spec -%}
                {{ exceptions.raise_compiler_error(
                    "rule views declare " ~ input ~ " two ways: " ~ specs[input] ~ " and " ~ spec
                    ~ " (meta.recompute); fingerprints need one") }}
            {%- endif -%}
            {%- do specs.update({input: spec}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- a plain date (no column left out) is shared: every rule reading the relation uses its monthly
        fingerprints; one with columns left out, or a key, is used only by the rules declaring it -#}
    {%- set dated = {} -%}
    {%- for input, spec in specs.items() if spec.date and not spec.ignore and not spec.rule_column -%}
        {%- do dated.update({input: spec.date}) -%}
    {%- endfor -%}

    {#- each rule: its code, view relation, reach, and the fingerprint keys it reads -#}
    {%- set rules = [] -%}
    {%- set keys = {} -%}
    {%- for name in views -%}
        {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
        {%- set recompute = node.config.meta.get('recompute') -%}
        {%- set own = recompute_specs(name) -%}
        {%- set code = rule_code_of(name) -%}
        {#- relations this rule reads its own way: keyed, with columns left out, or its own rows only
            (fingerprints per rule, named with its code); a keyed input names the key of what it goes through -#}
        {%- set special = {} -%}
        {%- for input, spec in own.items() if spec.key or spec.ignore or spec.rule_column -%}
            {%- set through = own.get(spec.through) if spec.key else none -%}
            {#- a key going through a relation kept to the rule's own rows is looked up there: per rule too -#}
            {%- do special.update({input: dict(spec, rule=code,
                per_rule=spec.rule_column or (through and through.rule_column),
                through_key=(recompute_key(spec.through, through, code) if through else none))}) -%}
        {%- endfor -%}
        {%- set uses = [] -%}
        {%- set read = [] -%}
        {%- for dep_id in node.depends_on.nodes -%}
            {%- for key in rule_input_keys(dep_id, dated, keys, special) -%}
                {%- do read.append(keys[key].name) -%}
                {%- do uses.append({'key': key, 'dated': keys[key].name in own
                                                       and (keys[key].column is not none or keys[key].key_column is not none)}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for input, spec in own.items() -%}
            {%- if input not in read -%}
                {{ exceptions.raise_compiler_error(
                    name ~ " declares " ~ input ~ " in meta.recompute, but does not read it") }}
            {%- endif -%}
            {%- if spec.key and (spec.through not in own or not own[spec.through].date) -%}
                {{ exceptions.raise_compiler_error(
                    name ~ " keys " ~ input ~ " through " ~ spec.through
                    ~ ", which it must declare in meta.recompute.dated_inputs") }}
            {%- endif -%}
        {%- endfor -%}
        {%- do rules.append({
            'code': code, 'name': name, 'relation': node.relation_name,
            'reach': recompute.get('reach_days', 0) if recompute else none, 'uses': uses,
            'blocked': blocked.get(code), 'scope': recompute_scope(name)
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
create table if not exists {{ key_state }} (
    input_key varchar, key_value varchar, row_count bigint, fingerprint hugeint
);

create or replace temp table rule_hits_inputs_now as
{%- for key, input in keys | dictsort if key in live_keys and not input.key_column %}
select
    '{{ key }}' as input_key,
    {{ 'cast(date_trunc(\'month\', t.' ~ input.column ~ ') as date)' if input.column else 'cast(null as date)' }}
        as month_start,
    count(*) as row_count,
    coalesce(sum(hash(t)), 0) as fingerprint
from {{ fingerprinted_rows(input) }} as t
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

{#- keyed inputs: one fingerprint per key value -#}
create or replace temp table rule_hits_keys_now as
{%- for key, input in keys | dictsort if key in live_keys and input.key_column %}
select
    '{{ key }}' as input_key,
    cast(t.{{ input.key_column }} as varchar) as key_value,
    count(*) as row_count,
    coalesce(sum(hash(t)), 0) as fingerprint
from {{ fingerprinted_rows(input) }} as t
group by 1, 2
union all
{%- endfor %}
select
    null::varchar as input_key, null::varchar as key_value, null::bigint as row_count, null::hugeint as fingerprint
where false;

{#- a keyed input's changed key values, as the earliest date of the rows they meet in the dated input it
    goes through (none met: no hit can change) -#}
create or replace temp table rule_hits_keys_changed as
{%- if not full %}
with

changed_keys as (
    select coalesce(now.input_key, built.input_key) as input_key, coalesce(now.key_value, built.key_value) as key_value
    from rule_hits_keys_now as now
    full outer join {{ key_state }} as built
        on now.input_key = built.input_key and now.key_value is not distinct from built.key_value
    where now.fingerprint is distinct from built.fingerprint or now.row_count is distinct from built.row_count
)

{%- for key, input in keys | dictsort if key in live_keys and input.key_column %}
{%- set through = keys[input.through_key] %}
select '{{ key }}' as input_key, min(t.{{ through.column }}) as changed_from
from {{ through.relation }} as t
where
    t.{{ input.key_column }} in (select key_value from changed_keys where input_key = '{{ key }}')
    {%- if through.rule_column %}
    and t.{{ through.rule_column }} = '{{ through.rule }}'
    {%- endif %}
union all
{%- endfor %}
{%- endif %}
select null::varchar as input_key, null::date as changed_from where false;

create or replace temp table rule_hits_recompute as
with

changed as (
    select coalesce(now.input_key, built.input_key) as input_key, coalesce(now.month_start, built.month_start) as month_start
    from rule_hits_inputs_now as now
    full outer join {{ state }} as built
        on now.input_key = built.input_key and now.month_start is not distinct from built.month_start
    where now.fingerprint is distinct from built.fingerprint or now.row_count is distinct from built.row_count
    union all
    select input_key, changed_from as month_start
    from rule_hits_keys_changed
    where changed_from is not null
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

create or replace temp table rule_hits_scoped (rule_code varchar, scope_column varchar, scope_values bigint, read_from date);
{#- the replaced-rows logs the scoped rules read, and how far each rule has read them -#}
{%- set logs = {} %}
{%- for rule in rules if rule.scope %}{% for span in rule.scope.spans if span.log %}{% do logs.update({span.log.name: span.log}) %}{% endfor %}{% endfor %}
create table if not exists {{ build_state('__consumed') }} (rule_code varchar, log_name varchar, build_seq bigint);
{%- for log in logs.values() %}
create table if not exists {{ log.relation }} (
    build_seq bigint, whole boolean, {% for c in log.columns %}{{ c }} varchar, {% endfor %}{{ log.date }} date
);
{%- endfor %}
{#- a whole build of a span model since the rule last read its log: which rows it replaced is unknown,
    so the rule is evaluated whole -#}
{%- for rule in rules if rule.scope and not rule.blocked %}
{%- for span in rule.scope.spans if span.log %}
update rule_hits_recompute
set recompute_from = date '0001-01-01'
where
    rule_code = '{{ rule.code }}'
    and exists (
        select 1 from {{ span.log.relation }}
        where whole and build_seq > {{ log_consumed(rule.code, span.log.name) }}
    );
{%- endfor %}
{%- endfor %}
{% for rule in rules %}
{%- if rule.blocked %}
-- {{ rule.code }} {{ rule.name }}: not evaluated, reads {{ rule.blocked | join(', ') }} (failed the quality gate)
{%- else %}
-- {{ rule.code }} {{ rule.name }}
set variable yibao_changed_from = (select recompute_from from rule_hits_recompute where rule_code = '{{ rule.code }}');
{%- if rule.scope %}
{%- set scope = rule.scope.column %}
{%- set read_logs = rule.scope.spans | selectattr('log') | list %}
{#- the scope values reaching the changed date: a span row ending on or after it, or a hit on or after it
    (a visit whose rows were all withdrawn keeps no span row) -#}
create or replace temp table rule_hits_scope as
select distinct scope_value
from (
    {%- for span in rule.scope.spans %}
    select t.{{ scope }} as scope_value
    from {{ span.relation }} as t
    where coalesce(t.{{ span.to }}, t.{{ span.from }}) >= getvariable('yibao_changed_from')
    union all
    {%- endfor %}
    {%- for span in read_logs %}
    select replaced.{{ scope }} as scope_value
    from {{ span.log.relation }} as replaced
    where
        replaced.build_seq > {{ log_consumed(rule.code, span.log.name) }}
        and replaced.{{ span.log.date }} >= getvariable('yibao_changed_from')
    union all
    {%- endfor %}
    select hits.{{ scope }} as scope_value
    from {{ this }} as hits
    where hits.rule_code = '{{ rule.code }}' and hits.occurred_on >= getvariable('yibao_changed_from')
) as reached
where
    scope_value is not null
    and getvariable('yibao_changed_from') > date '0001-01-01'
    and getvariable('yibao_changed_from') < date '9999-12-31';
{#- the view reads from the earliest row of those scope values, so each is judged on all its rows -#}
set variable yibao_hits_from = (
    select least(getvariable('yibao_changed_from'), min(earliest))
    from (
        {%- for span in rule.scope.spans %}
        select min(t.{{ span.from }}) as earliest
        from {{ span.relation }} as t
        where
            t.{{ scope }} in (select scope_value from rule_hits_scope)
            and getvariable('yibao_changed_from') > date '0001-01-01'
            and getvariable('yibao_changed_from') < date '9999-12-31'
        {{- ' union all' if not loop.last }}
        {%- endfor %}
    ) as spans
);
insert into rule_hits_scoped
select '{{ rule.code }}', '{{ scope }}', (select count(*) from rule_hits_scope), getvariable('yibao_hits_from')
where getvariable('yibao_changed_from') > date '0001-01-01' and getvariable('yibao_changed_from') < date '9999-12-31';
{%- set reached = "(" ~ scope ~ " in (select scope_value from rule_hits_scope) or ("
    ~ scope ~ " is null and occurred_on >= getvariable('yibao_changed_from')))" %}
{%- else %}
set variable yibao_hits_from = getvariable('yibao_changed_from');
{%- set reached = "occurred_on >= getvariable('yibao_changed_from')" %}
{%- endif %}
delete from {{ this }}
where
    rule_code = '{{ rule.code }}'
    and (getvariable('yibao_changed_from') = date '0001-01-01' or {{ reached }});
insert into {{ this }} ({{ columns }})
select {{ columns }}
from {{ rule.relation }}
where
    getvariable('yibao_changed_from') < date '9999-12-31'
    and (getvariable('yibao_changed_from') = date '0001-01-01' or {{ reached }});
{%- if rule.scope %}
{%- for span in rule.scope.spans if span.log %}
delete from {{ build_state('__consumed') }} where rule_code = '{{ rule.code }}' and log_name = '{{ span.log.name }}';
insert into {{ build_state('__consumed') }}
select '{{ rule.code }}', '{{ span.log.name }}', coalesce(max(build_seq), -1) from {{ span.log.relation }};
{%- endfor %}
{%- endif %}
{%- endif %}
{% endfor %}
reset variable yibao_hits_from;
reset variable yibao_changed_from;
{#- what every rule reading a log (blocked or not) has read of it is no longer needed; a rule that never
    read it needs all of it -#}
{%- for log in logs.values() %}
{%- set readers = [] %}
{%- for rule in rules if rule.scope %}{% for span in rule.scope.spans if span.log and span.log.name == log.name %}{% do readers.append(rule.code) %}{% endfor %}{% endfor %}
delete from {{ build_state('__consumed') }}
where log_name = '{{ log.name }}' and rule_code not in ('{{ readers | join("', '") }}');
delete from {{ log.relation }}
where build_seq <= (
    select min({{ log_consumed('readers.rule_code', log.name, quoted=false) }})
    from (values ('{{ readers | join("'), ('") }}')) as readers (rule_code)
);
{%- endfor %}

{#- keep the fingerprints just taken, but those of blocked rules' inputs (kept as last evaluated) -#}
{%- set kept = "where input_key not in ('" ~ kept_keys | unique | join("', '") ~ "')" if kept_keys else '' %}
{%- for table, now in [(state, 'rule_hits_inputs_now'), (key_state, 'rule_hits_keys_now')] %}
delete from {{ table }} {{ kept }};
insert into {{ table }} select * from {{ now }} {{ kept }};
{%- endfor %}
create or replace table {{ last_run }} as
select
    rule_hits_recompute.rule_code,
    case
        {%- for rule in rules if rule.blocked %}
        when rule_hits_recompute.rule_code = '{{ rule.code }}' then 'not evaluated: {{ rule.blocked | join(", ") }} failed the quality gate'
        {%- endfor %}
        when recompute_from = date '0001-01-01' then 'all hits'
        when recompute_from = date '9999-12-31' then 'unchanged'
        when scoped.rule_code is not null
            then 'hits from ' || strftime(recompute_from, '%Y-%m-%d') || ' of ' || scoped.scope_values || ' '
                || scoped.scope_column || ' values, read from ' || strftime(scoped.read_from, '%Y-%m-%d')
        else 'hits from ' || strftime(recompute_from, '%Y-%m-%d')
    end as evaluated,
    nullif(nullif(recompute_from, date '9999-12-31'), date '0001-01-01') as evaluated_from,
    scoped.read_from,
    (select count(*) from {{ this }} as hits where hits.rule_code = rule_hits_recompute.rule_code) as hit_count
from rule_hits_recompute
left join rule_hits_scoped as scoped on rule_hits_recompute.rule_code = scoped.rule_code
order by rule_hits_recompute.rule_code;
drop table rule_hits_scoped;
drop table if exists rule_hits_scope;
drop table rule_hits_inputs_now;
drop table rule_hits_keys_now;
drop table rule_hits_keys_changed;
drop table rule_hits_recompute
{%- endmacro %}


{#- The rows of a fingerprinted input: the relation, without the columns its declaration leaves out. -#}
{% macro fingerprinted_rows(input) -%}
    {%- if input.ignore or input.rule_column -%}
(select * {%- if input.ignore %} exclude ({{ input.ignore | join(', ') }}){% endif %} from {{ input.relation }}
    {%- if input.rule_column %} where {{ input.rule_column }} = '{{ input.rule }}'{% endif %})
    {%- else -%}
{{ input.relation }}
    {%- endif -%}
{%- endmacro %}


{#- The fingerprint key of a relation a rule declares: by date or key, the columns left out, and the
    rule's code when the declaration keeps only the rule's own rows or goes through a relation that does. -#}
{% macro recompute_key(name, spec, rule_code) -%}
    {%- if not (spec.key or spec.ignore or spec.rule_column) -%}
        {{ return(name ~ ':' ~ spec.date) }}
    {%- endif -%}
    {{ return(name ~ (':' ~ spec.date if spec.date else '#' ~ spec.key)
              ~ ('-' ~ spec.ignore | join(',') if spec.ignore else '')
              ~ ('@' ~ rule_code if spec.rule_column or spec.per_rule else '')) }}
{%- endmacro %}


{#- A rule view's meta.recompute inputs, each as {date, key, through, ignore} (none where not given):
    dated_inputs {relation: date column | {date:, ignore:, rule_column:}},
    keyed_inputs {relation: {key:, through:, ignore:, rule_column:}}. -#}
{% macro recompute_specs(view_name) -%}
    {%- set recompute = graph.nodes['model.' ~ project_name ~ '.' ~ view_name].config.meta.get('recompute') or {} -%}
    {%- set specs = {} -%}
    {%- set where = view_name ~ ": meta.recompute." -%}
    {%- for input, spec in (recompute.get('dated_inputs') or {}).items() -%}
        {%- set spec = spec if spec is mapping else {'date': spec} -%}
        {%- if not spec.get('date') or spec.keys() | reject('in', ['date', 'ignore', 'rule_column']) | list -%}
            {{ exceptions.raise_compiler_error(where ~ "dated_inputs." ~ input ~ " is " ~ spec
                ~ ": give a date column, or {date: <column>, ignore: [<columns>], rule_column: <column>}") }}
        {%- endif -%}
        {%- do specs.update({input: {'date': spec.date, 'key': none, 'through': none,
                                     'ignore': spec.get('ignore', []) | sort,
                                     'rule_column': spec.get('rule_column')}}) -%}
    {%- endfor -%}
    {%- for input, spec in (recompute.get('keyed_inputs') or {}).items() -%}
        {%- if spec is not mapping or not spec.get('key') or not spec.get('through')
            or spec.keys() | reject('in', ['key', 'through', 'ignore', 'rule_column']) | list -%}
            {{ exceptions.raise_compiler_error(where ~ "keyed_inputs." ~ input ~ " is " ~ spec
                ~ ": give {key: <column>, through: <a dated input>, ignore: [<columns>], rule_column: <column>}") }}
        {%- endif -%}
        {%- if input in specs -%}
            {{ exceptions.raise_compiler_error(where ~ input ~ " is both a dated and a keyed input") }}
        {%- endif -%}
        {%- do specs.update({input: {'date': none, 'key': spec.key, 'through': spec.through,
                                     'ignore': spec.get('ignore', []) | sort,
                                     'rule_column': spec.get('rule_column')}}) -%}
    {%- endfor -%}
    {{ return(specs) }}
{%- endmacro %}


{#- How far a rule has read a replaced-rows log: the build_seq it read up to (-1: never). -#}
{% macro log_consumed(rule_code, log_name, quoted=true) -%}
coalesce((select max(consumed.build_seq) from {{ build_state('__consumed') }} as consumed
    where consumed.rule_code = {{ "'" ~ rule_code ~ "'" if quoted else rule_code }} and consumed.log_name = '{{ log_name }}'), -1)
{%- endmacro %}


{#- A rule view's meta.recompute.scope as {column, spans: [{name, relation, from, to}]} (none when not
    given): scope {column: <the hit column naming the visit, person… whose rows decide a hit>,
    spans: {relation: date column | [from column, to column]}}; each span relation is a model carrying
    the scope column (a stay: [begin_date, end_date]), its log of replaced rows with it (replaced_log). -#}
{% macro recompute_scope(view_name) -%}
    {%- set recompute = graph.nodes['model.' ~ project_name ~ '.' ~ view_name].config.meta.get('recompute') or {} -%}
    {%- set scope = recompute.get('scope') -%}
    {%- if not scope -%}{{ return(none) }}{%- endif -%}
    {%- set where = view_name ~ ": meta.recompute.scope " -%}
    {%- if scope is not mapping or not scope.get('column') or not scope.get('spans') or scope.spans is not mapping
        or scope.keys() | reject('in', ['column', 'spans']) | list -%}
        {{ exceptions.raise_compiler_error(where ~ "is " ~ scope
            ~ ": give {column: <hit column>, spans: {<dated input>: <date column> | [<from>, <to>]}}") }}
    {%- endif -%}
    {%- set spans = [] -%}
    {%- for input, span in scope.spans.items() -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ input) -%}
        {%- if not node -%}
            {{ exceptions.raise_compiler_error(where ~ "spans " ~ input ~ ", which is no model of this project") }}
        {%- endif -%}
        {%- set bounds = [span, span] if span is string else span -%}
        {%- if bounds is string or bounds | length != 2 -%}
            {{ exceptions.raise_compiler_error(where ~ "spans." ~ input ~ " is " ~ span
                ~ ": give a date column or [<from column>, <to column>]") }}
        {%- endif -%}
        {#- a span model logging the rows its builds replace (meta.replaced_log: fct_fee_line) is read
            through that log too: a withdrawn line may have been its visit's only row after the changed date -#}
        {%- set log = node.config.meta.get('replaced_log') -%}
        {%- if log and (scope.column not in log.columns or log.date != bounds[1]) -%}
            {{ exceptions.raise_compiler_error(where ~ "spans " ~ input ~ " by " ~ scope.column ~ " and "
                ~ bounds[1] ~ ", which its replaced-rows log (meta.replaced_log " ~ log ~ ") does not keep") }}
        {%- endif -%}
        {%- do spans.append({'name': input, 'relation': node.relation_name, 'from': bounds[0], 'to': bounds[1],
            'log': {'name': input, 'relation': this.incorporate(path={'schema': 'build_state', 'identifier': node.alias ~ '__replaced'}),
                     'columns': log.columns, 'date': log.date} if log else none}) -%}
    {%- endfor -%}
    {{ return({'column': scope.column, 'spans': spans}) }}
{%- endmacro %}


{#- The fingerprint keys a rule input stands for (registered in `keys`): a relation the rule reads
    itself and declares with a key or with columns left out (`special`) by that; a relation with a plain declared date by
    month of it; a table, incremental model or seed as a whole; a view by what it reads, down to tables,
    seeds and raw sources (fingerprinting a view evaluates it — the rule's own cost again). -#}
{% macro rule_input_keys(node_id, dated, keys, special) -%}
    {%- set found = [] -%}
    {%- set src = graph.sources.get(node_id) if node_id.startswith('source.') else none -%}
    {%- set dep = none if src else graph.nodes.get(node_id) -%}
    {%- set name = src.name if src else (dep.name if dep else none) -%}
    {%- if name in special -%}
        {%- set spec = special[name] -%}
        {%- set key = recompute_key(name, spec, spec.rule) -%}
        {%- do keys.update({key: {'name': name, 'relation': (src or dep).relation_name, 'column': spec.date,
                                  'key_column': spec.key, 'through': spec.through, 'ignore': spec.ignore,
                                  'rule_column': spec.rule_column, 'rule': spec.rule,
                                  'through_key': spec.through_key}}) -%}
        {%- do found.append(key) -%}
    {%- elif src -%}
        {%- set key = 'source:' ~ src.source_name ~ '.' ~ src.name -%}
        {%- do keys.update({key: {'name': src.name, 'relation': src.relation_name, 'column': none,
                                  'key_column': none, 'through': none, 'ignore': [], 'rule_column': none}}) -%}
        {%- do found.append(key) -%}
    {%- elif dep and dep.resource_type in ('model', 'seed') -%}
        {%- if dep.name in dated or dep.resource_type == 'seed'
            or dep.config.materialized in ('table', 'incremental') -%}
            {%- set column = dated.get(dep.name) -%}
            {%- set key = dep.name ~ (':' ~ column if column else '') -%}
            {%- do keys.update({key: {'name': dep.name, 'relation': dep.relation_name, 'column': column,
                                      'key_column': none, 'through': none, 'ignore': [], 'rule_column': none}}) -%}
            {%- do found.append(key) -%}
        {%- else -%}
            {%- for upstream in dep.depends_on.nodes -%}
                {#- a declaration holds for what the rule reads itself: through a view, the relation
                    may be joined on another key or read for a left-out column, so it is read whole -#}
                {%- for key in rule_input_keys(upstream, dated, keys, {}) if key not in found -%}
                    {%- do found.append(key) -%}
                {%- endfor -%}
            {%- endfor -%}
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
