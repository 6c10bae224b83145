with

codes as (
    select * from {{ ref('stg_reference__kb_point_codes') }}
    where is_current
),

points as (
    select * from {{ ref('stg_reference__kb_points') }}
    where is_current
),

catalogue_codes as (
    select distinct hilist_code
    from {{ ref('stg_reference__catalogue_items') }}
    where is_current
),

-- the same code delivered twice for a side once normalised (an ICD-10 prefix with and without its
-- dot, in two cases): one row, the first line of the file
ranked as (
    select
        codes.*,
        row_number() over (
            partition by codes.kb_point_id, codes.side, codes.code
            order by codes._line
        ) as code_rank
    from codes
),

final as (
    select
        ranked.kb_point_id,
        points.rule_code,
        ranked.side,
        ranked.code_type,
        ranked.code,
        ranked.code_name,
        case
            when ranked.code_type = 'hilist' then catalogue_codes.hilist_code is not null
        end as is_in_catalogue
    from ranked
    inner join points
        on ranked.kb_point_id = points.kb_point_id
    left join catalogue_codes
        on
            ranked.code_type = 'hilist'
            and ranked.code = catalogue_codes.hilist_code
    where ranked.code_rank = 1
)

select * from final
