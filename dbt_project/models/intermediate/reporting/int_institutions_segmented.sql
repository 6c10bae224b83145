{#- One row per institution of dim_institution with the 通报 segment it is counted in: county,
    institution class and ownership. -#}
with

institutions as (
    select * from {{ ref('dim_institution') }}
),

final as (
    select
        fixmedins_code,
        coalesce(admdvs, 'UNKNOWN') as admdvs,
        case
            when fixmedins_type = '2' then 'pharmacy'
            when hosp_lv in ('1', '2', '3') then {{ dbt.concat(["'hospital_l'", 'hosp_lv']) }}
            else 'clinic'
        end as institution_class,
        case when econ_type = '1' then 'public' when econ_type = '2' then 'private' else 'unknown' end
            as ownership
    from institutions
)

select * from final
