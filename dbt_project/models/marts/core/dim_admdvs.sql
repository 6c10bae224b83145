with

divisions as (
    select * from {{ ref('code_admdvs') }}
),

institutions as (
    select * from {{ ref('stg_reference__institutions') }}
),

persons as (
    select * from {{ ref('stg_reference__persons') }}
),

-- every code the data uses, so a BI join on it never drops a row
codes_in_use as (
    select admdvs as code
    from institutions
    where admdvs is not null
    union
    select insu_admdvs as code
    from persons
    where insu_admdvs is not null
),

unnamed as (
    select codes_in_use.code
    from codes_in_use
    left join divisions
        on codes_in_use.code = divisions.code
    where divisions.code is null
),

final as (
    select
        divisions.code as admdvs,
        divisions.name_zh as admdvs_name,
        divisions.full_name_zh as admdvs_full_name,
        divisions.admdvs_level,
        nullif(divisions.parent_code, '') as parent_admdvs,
        parents.name_zh as parent_admdvs_name,
        true as is_named,
        codes_in_use.code is not null as is_in_use
    from divisions
    left join divisions as parents
        on divisions.parent_code = parents.code
    left join codes_in_use
        on divisions.code = codes_in_use.code
    union all
    select
        code as admdvs,
        cast(null as {{ dbt.type_string() }}) as admdvs_name,
        cast(null as {{ dbt.type_string() }}) as admdvs_full_name,
        cast(null as {{ dbt.type_string() }}) as admdvs_level,
        cast(null as {{ dbt.type_string() }}) as parent_admdvs,
        cast(null as {{ dbt.type_string() }}) as parent_admdvs_name,
        false as is_named,
        true as is_in_use
    from unnamed
)

select * from final
