with

persons as (
    select * from {{ ref('stg_reference__persons') }}
),

genders as (
    select * from {{ ref('code_gend') }}
),

insutypes as (
    select * from {{ ref('code_insutype') }}
),

final as (
    select
        persons.psn_no,
        persons.psn_key,
        persons.certno_masked,
        persons.psn_name_masked,
        persons.gend,
        genders.name_zh as gend_name,
        persons.brdy,
        cast(extract(year from persons.brdy) as integer) as birth_year,
        persons.insutype,
        insutypes.name_zh as insutype_name,
        persons.insu_admdvs,
        persons.die_date,
        persons.die_date is not null as is_deceased,
        persons.is_current,
        persons.first_period_seen,
        persons.last_period_seen
    from persons
    left join genders
        on persons.gend = genders.code
    left join insutypes
        on persons.insutype = insutypes.code
)

select * from final
