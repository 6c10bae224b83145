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
        persons.insutype,
        insutypes.name_zh as insutype_name,
        persons.insu_admdvs,
        persons.die_date,
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
