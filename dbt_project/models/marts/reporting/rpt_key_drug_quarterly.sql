{#- Quarter × watchlist item (seed 003 附件1): billed amount (net of refunds, by fee date), the
    previous quarter's, growth, and the institution billing most of it (docs: rpt_key_drug_quarterly). -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

watchlist as (
    select * from {{ ref('rule_key_drug_watchlist') }}
),

quarters as (
    select * from {{ ref('rpt_quarters') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

watched_items as (
    select
        hilist_code,
        min(category) as category,
        min(seq) as seq,
        min(name_zh) as watchlist_name_zh,
        min(dosage_form) as dosage_form
    from watchlist
    where hilist_code is not null
    group by hilist_code
),

institution_amounts as (
    select
        fee_lines.hilist_code,
        fee_lines.fixmedins_code,
        cast(extract(year from fee_lines.fee_date) as integer) * 4
        + cast(extract(quarter from fee_lines.fee_date) as integer) as quarter_ordinal,
        sum(fee_lines.net_amount) as billed_amount
    from fee_lines
    inner join watched_items
        on fee_lines.hilist_code = watched_items.hilist_code
    group by
        fee_lines.hilist_code,
        fee_lines.fixmedins_code,
        cast(extract(year from fee_lines.fee_date) as integer) * 4
        + cast(extract(quarter from fee_lines.fee_date) as integer)
),

item_amounts as (
    select
        hilist_code,
        quarter_ordinal,
        sum(billed_amount) as billed_amount,
        count(distinct fixmedins_code) as institution_count
    from institution_amounts
    group by hilist_code, quarter_ordinal
),

top_institutions as (
    select
        hilist_code,
        quarter_ordinal,
        fixmedins_code,
        billed_amount,
        row_number() over (
            partition by hilist_code, quarter_ordinal
            order by billed_amount desc, fixmedins_code asc
        ) as amount_rank
    from institution_amounts
),

final as (
    select
        quarters.year_quarter,
        quarters.year_number,
        quarters.quarter_number,
        {{ quarter_start_date('quarters.year_number', 'quarters.quarter_number') }} as quarter_start_date,
        quarters.quarter_ordinal,
        watched_items.hilist_code,
        watched_items.category,
        cast(watched_items.seq as integer) as seq,
        watched_items.watchlist_name_zh,
        watched_items.dosage_form,
        {{ money('coalesce(cur.billed_amount, 0)') }} as billed_amount,
        {{ money('coalesce(prev.billed_amount, 0)') }} as prev_billed_amount,
        case
            when coalesce(prev.billed_amount, 0) > 0
                then cast(
                    round((coalesce(cur.billed_amount, 0) - prev.billed_amount) / prev.billed_amount, 4)
                    as decimal(18, 4)
                )
        end as growth_rate,
        cast(coalesce(cur.institution_count, 0) as bigint) as institution_count,
        top.fixmedins_code as top_fixmedins_code,
        institutions.fixmedins_name as top_fixmedins_name,
        {{ money('top.billed_amount') }} as top_billed_amount
    from quarters
    cross join watched_items
    left join item_amounts as cur
        on
            quarters.quarter_ordinal = cur.quarter_ordinal
            and watched_items.hilist_code = cur.hilist_code
    left join item_amounts as prev
        on
            quarters.quarter_ordinal - 1 = prev.quarter_ordinal
            and watched_items.hilist_code = prev.hilist_code
    left join top_institutions as top
        on
            quarters.quarter_ordinal = top.quarter_ordinal
            and watched_items.hilist_code = top.hilist_code
            and top.amount_rank = 1
    left join institutions
        on top.fixmedins_code = institutions.fixmedins_code
)

select * from final
