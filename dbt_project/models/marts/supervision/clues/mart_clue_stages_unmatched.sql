{#- One row per recorded handling stage whose clue_id is not a clue of mart_clues: kept and
    reported, never dropped (DATA_CONTRACT.md case_clue; docs: mart_clue_stages_unmatched). -#}
{{ config(materialized='table') }}

with

stages as (
    select * from {{ ref('fct_clue_stage') }}
),

clues as (
    select * from {{ ref('mart_clues') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

-- the calendar the warehouse's data spans (dim_date: whole years around every dated event)
data_span as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from dates
),

unmatched as (
    select stages.*
    from stages
    left join clues
        on stages.clue_id = clues.clue_id
    where clues.clue_id is null
),

-- CL-<fixmedins_code>-<YYYY>Q<q>: the code is everything between 'CL-' and the last 7 characters
parsed as (
    select
        unmatched.*,
        {{ dbt.length('unmatched.clue_id') }} as id_length,
        substring(unmatched.clue_id, 1, 3) as id_prefix,
        substring(unmatched.clue_id, {{ dbt.length('unmatched.clue_id') }} - 6, 1) as id_dash,
        substring(unmatched.clue_id, {{ dbt.length('unmatched.clue_id') }} - 1, 1) as id_q,
        {{ try_integer("substring(unmatched.clue_id, " ~ dbt.length('unmatched.clue_id') ~ " - 5, 4)") }}
            as id_year,
        {{ dbt.right('unmatched.clue_id', '1') }} as id_quarter
    from unmatched
),

checked as (
    select
        parsed.*,
        coalesce(
            parsed.id_length >= 11
            and parsed.id_prefix = 'CL-'
            and parsed.id_dash = '-'
            and parsed.id_q = 'Q'
            and parsed.id_year between 1900 and 2999
            and parsed.id_quarter in ('1', '2', '3', '4'),
            false
        ) as is_well_formed
    from parsed
),

located as (
    select
        checked.*,
        case when checked.is_well_formed then substring(checked.clue_id, 4, checked.id_length - 10) end
            as parsed_fixmedins_code,
        case
            when checked.is_well_formed
                then cast({{ dbt.concat([
                    'cast(checked.id_year as ' ~ dbt.type_string() ~ ')',
                    "case checked.id_quarter when '1' then '-01-01' when '2' then '-04-01' "
                    ~ "when '3' then '-07-01' else '-10-01' end",
                ]) }} as date)
        end as parsed_quarter_start_date
    from checked
),

final as (
    select
        located.clue_id,
        located.stage,
        located.stage_name,
        located.stage_date,
        located.confirmed_amt,
        located.handler,
        located.parsed_fixmedins_code,
        case
            when located.is_well_formed
                then {{ dbt.concat([
                    'cast(located.id_year as ' ~ dbt.type_string() ~ ')',
                    "'Q'",
                    'located.id_quarter',
                ]) }}
        end as parsed_year_quarter,
        case
            when not located.is_well_formed then 'malformed_clue_id'
            when institutions.fixmedins_code is null then 'unknown_institution'
            when
                located.parsed_quarter_start_date < data_span.first_day
                or located.parsed_quarter_start_date > data_span.last_day
                or data_span.first_day is null
                then 'quarter_outside_data'
            else 'no_hits_in_quarter'
        end as unmatched_reason,
        case
            when not located.is_well_formed then '线索编号格式不符（应为CL-机构编号-年份Q季度）'
            when institutions.fixmedins_code is null then '机构编号不在定点医药机构库中'
            when
                located.parsed_quarter_start_date < data_span.first_day
                or located.parsed_quarter_start_date > data_span.last_day
                or data_span.first_day is null
                then '该季度不在数据仓库数据期间内（如上一年度的线索）'
            else '该机构该季度没有规则疑点，数据仓库未生成此线索'
        end as unmatched_reason_zh,
        located.source_file as _file,
        located.source_line as _line,
        located.source_period as _period
    from located
    cross join data_span
    left join institutions
        on located.parsed_fixmedins_code = institutions.fixmedins_code
)

select * from final
