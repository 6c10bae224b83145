{#-
    Incremental fct_fee_line (DuckDB): which lines to rebuild, found by comparing the *inputs* of
    the model with those of the last build — never the 10M built lines with their inputs (that was
    tried: finding the changed lines cost more than rebuilding them all).

    A fee line is computed from its own delivered rows (raw.fee_list, latest delivery per
    feedetl_sn), its refund lines / its original, the catalogue rows valid on its fee date, its
    visit's med_type, its institution's fixmedins_type and its person's psn_key. Fingerprints (row count + sum of row
    hashes), kept in build_state.fct_fee_line__built_from:

      raw_month    every raw.fee_list row, per month of fee_ocur_time (a new month, a correction or
                   a replaced batch changes its months). Summed from per-batch fingerprints kept in
                   build_state.fct_fee_line__batch_months: the loader's batch id names the batch's
                   content (feed, sender, period, seq, sha256), so a batch already fingerprinted
                   with the same id, load time and row count is not read again — only the batches
                   new since the last build are hashed. Rows edited in place outside the loader
                   are not seen: build with --full-refresh after such an edit.
      catalogue    per item and month, the catalogue rows that month sees (catalogue_on_date_columns()
                   plus their validity clipped to the month): a price cut from 2025-07-01 changes
                   that item's months from July on, not the months before
      visit        per mdtrt_id, med_type;  institution  per fixmedins_code, fixmedins_type
      person       per psn_no, psn_key (a corrected 身份证号 changes the pseudonym)
      model        the model's own SQL (a change rebuilds every line; a change to the macros it
                   calls — stage_fee_lines, latest_delivery, catalogue_on_date — needs --full-refresh)

    Lines to rebuild = the delivered lines in a changed month, of a changed item-month, visit,
    institution or person, and the built lines in a changed month (a built line's other inputs are
    those of its delivered row unless that row changed, which changes its month); with every line
    those point at (init_feedetl_sn: its original), then every line pointing at any of these (all
    refunds of each original), both as delivered and as built. The pre-hook deletes them
    from fct_fee_line and the model's SQL stages and builds just those (stage_fee_lines() over their
    raw rows); the post-hook stores the new fingerprints and what was rebuilt and why in
    build_state.fct_fee_line__last_run. The first build and --full-refresh build everything.

    The lines a build replaces are logged as they were built (build_state.fct_fee_line__replaced:
    their visit and fee date; a whole build logs one row with whole = true): the rule hits
    judged by visit (macros/rule_hits.sql, meta.recompute.scope) reach through it the visits of lines
    that are gone or moved — a withdrawn line may have been a visit's only line after the changed date.
-#}

{#- select (batch_id, loaded_at, batch_rows, part, row_count, fingerprint): each raw.fee_list batch
    by month of fee_ocur_time, read from raw only for batches not fingerprinted by the last build -#}
{% macro fee_line_batch_months() -%}
    {%- set known = build_state('__batch_months') %}
    with

    batches_now as (
        select _batch_id as batch_id, _loaded_at as loaded_at, count(*) as batch_rows
        from {{ source('platform', 'fee_list') }}
        group by all
    ),

    batches_known as (
        select known.*
        from {{ known }} as known
        inner join batches_now as now
            on
                known.batch_id is not distinct from now.batch_id
                and known.loaded_at is not distinct from now.loaded_at
                and known.batch_rows = now.batch_rows
    ),

    batches_new as (
        select batch_id, loaded_at from batches_now
        except
        select batch_id, loaded_at from batches_known
    ),

    batches_read as (
        select
            t._batch_id as batch_id,
            t._loaded_at as loaded_at,
            coalesce(strftime(date_trunc('month', t.fee_ocur_time), '%Y-%m'), 'none') as part,
            count(*) as row_count,
            sum(hash(t)) as fingerprint
        from {{ source('platform', 'fee_list') }} as t
        semi join batches_new as new
            on t._batch_id is not distinct from new.batch_id and t._loaded_at is not distinct from new.loaded_at
        group by all
    )

    select batch_id, loaded_at, batch_rows, part, row_count, fingerprint from batches_known
    union all
    select
        batch_id,
        loaded_at,
        sum(row_count) over (partition by batch_id, loaded_at) as batch_rows,
        part,
        row_count,
        fingerprint
    from batches_read
{%- endmacro %}


{#- select (kind, part, row_count, fingerprint) of the current inputs (after fee_line_batch_months()
    is kept in fct_fee_line__batch_months_now) -#}
{% macro fee_line_inputs() -%}
    with

    raw_months as (
        select
            'raw_month' as kind,
            part,
            sum(row_count) as row_count,
            sum(fingerprint) as fingerprint
        from fct_fee_line__batch_months_now
        group by part
    ),

    months as (
        select
            cast(strptime(part, '%Y-%m') as date) as month_start,
            last_day(cast(strptime(part, '%Y-%m') as date)) as month_end
        from raw_months
        where part <> 'none'
    ),

    catalogue_months as (
        select
            'catalogue' as kind,
            cat.hilist_code || '|' || strftime(months.month_start, '%Y-%m') as part,
            count(*) as row_count,
            sum(hash(row(
                cat.effective_from,
                greatest(cat.effective_from, months.month_start),
                least(cat.effective_to, months.month_end)
                {%- for col in catalogue_on_date_columns() %},
                cat.{{ col }}
                {%- endfor %}
            ))) as fingerprint
        from months
        inner join {{ ref('dim_catalogue_item') }} as cat
            on cat.effective_from <= months.month_end and cat.effective_to >= months.month_start
        group by 2
    ),

    visits as (
        select 'visit' as kind, mdtrt_id as part, count(*) as row_count, sum(hash(med_type)) as fingerprint
        from {{ ref('stg_platform__visits') }}
        where mdtrt_id is not null
        group by mdtrt_id
    ),

    institutions as (
        select
            'institution' as kind,
            fixmedins_code as part,
            count(*) as row_count,
            sum(hash(fixmedins_type)) as fingerprint
        from {{ ref('stg_reference__institutions') }}
        where fixmedins_code is not null
        group by fixmedins_code
    ),

    persons as (
        select 'person' as kind, psn_no as part, count(*) as row_count, sum(hash(psn_key)) as fingerprint
        from {{ ref('stg_reference__persons') }}
        where psn_no is not null
        group by psn_no
    )

    select * from raw_months
    union all
    select * from catalogue_months
    union all
    select * from visits
    union all
    select * from institutions
    union all
    select * from persons
    union all
    select 'model', '{{ local_md5(model.raw_code) }}', 1, 0
{%- endmacro %}


{#- pre-hook: fingerprint the inputs; when incremental, find the lines to rebuild and delete them -#}
{% macro fee_line_changes() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set state = build_state('__built_from') %}
{{ create_build_state_schema() }};
create table if not exists {{ state }} (kind varchar, part varchar, row_count bigint, fingerprint hugeint);
create table if not exists {{ build_state('__batch_months') }} (
    batch_id varchar, loaded_at timestamp, batch_rows bigint, part varchar, row_count bigint, fingerprint hugeint
);
{%- if not is_incremental() %}
-- a whole build hashes every batch again (after rows were edited in place, the cache is stale)
delete from {{ build_state('__batch_months') }};
{%- endif %}
create or replace temp table fct_fee_line__batch_months_now as {{ fee_line_batch_months() }};
create or replace temp table fct_fee_line__inputs_now as {{ fee_line_inputs() }};
create or replace temp table fct_fee_line__rebuild (feedetl_sn varchar);
create or replace temp table fct_fee_line__changed (kind varchar, part varchar);
{%- if is_incremental() %}
insert into fct_fee_line__changed
select coalesce(now.kind, built.kind) as kind, coalesce(now.part, built.part) as part
from fct_fee_line__inputs_now as now
full outer join {{ state }} as built
    on now.kind = built.kind and now.part = built.part
where now.fingerprint is distinct from built.fingerprint or now.row_count is distinct from built.row_count;

insert into fct_fee_line__rebuild
with

-- the changed parts as typed keys (the fingerprints name them as text)
changed_months as (
    select cast(strptime(part, '%Y-%m') as date) as month_start
    from fct_fee_line__changed
    where kind = 'raw_month' and part <> 'none'
),

changed_item_months as (
    select
        left(part, length(part) - 8) as hilist_code,
        cast(strptime(right(part, 7), '%Y-%m') as date) as month_start
    from fct_fee_line__changed
    where kind = 'catalogue'
),

-- the delivered lines in a changed part. Month as a date, not text: this reads every delivered line
delivered_touched as (
    select t.feedetl_sn
    from {{ source('platform', 'fee_list') }} as t
    where
        exists (select 1 from fct_fee_line__changed where kind = 'model')
        or cast(date_trunc('month', t.fee_ocur_time) as date) in (select month_start from changed_months)
        or (t.fee_ocur_time is null and exists (
            select 1 from fct_fee_line__changed where kind = 'raw_month' and part = 'none'
        ))
        or (t.hilist_code, cast(date_trunc('month', t.fee_ocur_time) as date))
        in (select (hilist_code, month_start) from changed_item_months)
        or t.mdtrt_id in (select part from fct_fee_line__changed where kind = 'visit')
        or t.fixmedins_code in (select part from fct_fee_line__changed where kind = 'institution')
        or t.psn_no in (select part from fct_fee_line__changed where kind = 'person')
),

-- the built lines in a changed month. A built line's item, visit, institution and person are those
-- of its delivered row unless that row changed, and then its month changed: the month finds the
-- lines gone or moved, the rest are found through the delivered row's feedetl_sn
built_touched as (
    select b.feedetl_sn
    from {{ this }} as b
    where
        exists (select 1 from fct_fee_line__changed where kind = 'model')
        or cast(date_trunc('month', b.fee_date) as date) in (select month_start from changed_months)
        or (b.fee_date is null and exists (
            select 1 from fct_fee_line__changed where kind = 'raw_month' and part = 'none'
        ))
),

touched as (
    select feedetl_sn from delivered_touched
    union
    select feedetl_sn from built_touched
),

-- the touched lines and the originals they point at (as delivered and as built) ...
anchors as (
    select feedetl_sn from touched
    union
    select init_feedetl_sn from {{ source('platform', 'fee_list') }}
    where feedetl_sn in (select feedetl_sn from touched) and init_feedetl_sn is not null
    union
    select init_feedetl_sn from {{ this }}
    where feedetl_sn in (select feedetl_sn from touched) and init_feedetl_sn is not null
),

-- ... and every refund pointing at one of them: an original rebuilt for its new refund is netted
-- with all its refunds, the earlier ones too
rebuild as (
    select feedetl_sn from anchors
    union
    select feedetl_sn from {{ source('platform', 'fee_list') }}
    where init_feedetl_sn in (select feedetl_sn from anchors)
    union
    select feedetl_sn from {{ this }}
    where init_feedetl_sn in (select feedetl_sn from anchors)
)

select feedetl_sn from rebuild where feedetl_sn is not null;
{%- endif %}
{#- the lines replaced, as built; build_seq numbers the builds (a sequence: never reused, whatever the clock) -#}
create table if not exists {{ build_state('__replaced') }} (
    build_seq bigint, whole boolean, mdtrt_id varchar, fee_date date
);
create sequence if not exists {{ build_state('__replaced_seq') }};
set variable yibao_fee_line_build = nextval('{{ build_state('__replaced_seq') }}');
{%- if is_incremental() %}
create or replace temp table fct_fee_line__replaced_rows as
select rowid as line_rowid, mdtrt_id, fee_date
from {{ this }}
where feedetl_sn in (select feedetl_sn from fct_fee_line__rebuild);
insert into {{ build_state('__replaced') }}
select distinct getvariable('yibao_fee_line_build'), false, mdtrt_id, fee_date
from fct_fee_line__replaced_rows;
delete from {{ this }} where rowid in (select line_rowid from fct_fee_line__replaced_rows);
drop table fct_fee_line__replaced_rows;
{%- else %}
insert into {{ build_state('__replaced') }} values (getvariable('yibao_fee_line_build'), true, null, null);
{%- endif %}
reset variable yibao_fee_line_build;
{%- endmacro %}


{#- post-hook: keep the fingerprints this build was made from, and say what it rebuilt (__last_run) -#}
{% macro fee_line_built_from() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set state = build_state('__built_from') %}
    {%- set last_run = build_state('__last_run') %}
{%- if is_incremental() %}
-- only the parts that changed are rewritten: the others are the same
delete from {{ state }}
where (kind, part) in (select (kind, part) from fct_fee_line__changed);
insert into {{ state }}
select * from fct_fee_line__inputs_now
where (kind, part) in (select (kind, part) from fct_fee_line__changed);
{%- else %}
delete from {{ state }};
insert into {{ state }} select * from fct_fee_line__inputs_now;
{%- endif %}
delete from {{ build_state('__batch_months') }};
insert into {{ build_state('__batch_months') }} select * from fct_fee_line__batch_months_now;
create or replace table {{ last_run }} as
select
    {{ 'false' if is_incremental() else 'true' }} as full_build,
    (select count(*) from fct_fee_line__rebuild) as lines_rebuilt,
    (select count(*) from {{ this }}) as lines_total,
    (select string_agg(part, ', ' order by part) from fct_fee_line__changed where kind = 'raw_month')
        as changed_delivery_months,
    (select count(*) from fct_fee_line__changed where kind = 'catalogue') as changed_catalogue_item_months,
    (select count(*) from fct_fee_line__changed where kind = 'visit') as changed_visits,
    (select count(*) from fct_fee_line__changed where kind = 'institution') as changed_institutions,
    (select count(*) from fct_fee_line__changed where kind = 'person') as changed_persons,
    (select count(*) > 0 from fct_fee_line__changed where kind = 'model') as changed_model_sql;
drop table fct_fee_line__batch_months_now;
drop table fct_fee_line__inputs_now;
drop table fct_fee_line__changed;
drop table fct_fee_line__rebuild
{%- endmacro %}
