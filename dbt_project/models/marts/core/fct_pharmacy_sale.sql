with

sales as (
    select * from {{ ref('stg_pharmacy__sales') }}
),

persons as (
    select * from {{ ref('stg_reference__persons') }}
),

catalogue as (
    select * from {{ ref('dim_catalogue_item') }}
),

flagged as (
    select
        *,
        coalesce(retn_flag = '1', false) or cnt < 0 as is_return
    from sales
),

sale_lines as (
    select * from flagged
    where not is_return
),

return_lines as (
    select * from flagged
    where is_return
),

-- a return cancels the sale its init_sale_sn names ...
matched_by_sn as (
    select
        return_lines.fixmedins_code,
        return_lines.sale_sn,
        sale_lines.sale_sn as returned_sale_sn
    from return_lines
    inner join sale_lines
        on
            return_lines.fixmedins_code = sale_lines.fixmedins_code
            and return_lines.init_sale_sn = sale_lines.sale_sn
),

-- ... or else the latest earlier sale line of the same pharmacy with the same 追溯码
matched_by_trac as (
    select ranked.*
    from (
        select
            return_lines.fixmedins_code,
            return_lines.sale_sn,
            sale_lines.sale_sn as returned_sale_sn,
            row_number() over (
                partition by return_lines.fixmedins_code, return_lines.sale_sn
                order by sale_lines.sel_time desc, sale_lines.sale_sn desc
            ) as match_rank
        from return_lines
        inner join sale_lines
            on
                return_lines.fixmedins_code = sale_lines.fixmedins_code
                and return_lines.drug_trac_codg = sale_lines.drug_trac_codg
                and return_lines.sel_time >= sale_lines.sel_time
        left join matched_by_sn
            on
                return_lines.fixmedins_code = matched_by_sn.fixmedins_code
                and return_lines.sale_sn = matched_by_sn.sale_sn
        where matched_by_sn.sale_sn is null
    ) as ranked
    where ranked.match_rank = 1
),

return_links as (
    select
        fixmedins_code,
        sale_sn,
        returned_sale_sn,
        'init_sale_sn' as return_match_method
    from matched_by_sn
    union all
    select
        fixmedins_code,
        sale_sn,
        returned_sale_sn,
        'drug_trac_codg' as return_match_method
    from matched_by_trac
),

returns_by_sale as (
    select
        return_links.fixmedins_code,
        return_links.returned_sale_sn,
        count(*) as return_line_count,
        sum(abs(return_lines.cnt)) as returned_cnt,
        sum(abs(return_lines.cnt * return_lines.finl_trns_pric)) as returned_amount
    from return_links
    inner join return_lines
        on
            return_links.fixmedins_code = return_lines.fixmedins_code
            and return_links.sale_sn = return_lines.sale_sn
    group by return_links.fixmedins_code, return_links.returned_sale_sn
),

catalogue_rows as (
    {{ catalogue_on_date('flagged', ['fixmedins_code', 'sale_sn'], 'hilist_code', 'sale_date', 'catalogue') }}
),

netted as (
    select
        flagged.*,
        return_links.returned_sale_sn,
        return_links.return_match_method,
        coalesce(returns_by_sale.return_line_count, 0) as return_line_count,
        coalesce(returns_by_sale.returned_cnt, 0) as returned_cnt,
        coalesce(returns_by_sale.returned_amount, 0) as returned_amount
    from flagged
    left join return_links
        on
            flagged.fixmedins_code = return_links.fixmedins_code
            and flagged.sale_sn = return_links.sale_sn
    left join returns_by_sale
        on
            flagged.fixmedins_code = returns_by_sale.fixmedins_code
            and flagged.sale_sn = returns_by_sale.returned_sale_sn
),

final as (
    select
        {{ surrogate_key(['netted.fixmedins_code', 'netted.sale_sn']) }} as pharmacy_sale_key,
        netted.fixmedins_code,
        netted.sale_sn,
        netted.setl_id,
        netted.psn_no,
        persons.psn_key,
        netted.sel_time,
        netted.sale_date,
        netted.hilist_code,
        catalogue_rows.catalogue_hilist_name as hilist_name,
        catalogue_rows.catalogue_list_type as list_type,
        catalogue_rows.catalogue_med_chrgitm_type as med_chrgitm_type,
        catalogue_rows.fixmedins_code is not null as has_catalogue_row,
        catalogue_rows.catalogue_valid_from,
        catalogue_rows.catalogue_pric_uplmt_amt,
        netted.fixmedins_hilist_id,
        netted.fixmedins_bchno,
        netted.cnt,
        netted.finl_trns_pric,
        {{ money('netted.cnt * netted.finl_trns_pric') }} as sale_amount,
        netted.rx_flag,
        netted.rxno,
        netted.prsc_dr_code,
        netted.drug_trac_codg,
        netted.retn_flag,
        netted.is_return,
        netted.init_sale_sn,
        netted.returned_sale_sn,
        netted.return_match_method,
        netted.is_return and netted.returned_sale_sn is null as is_orphan_return,
        cast(netted.return_line_count as integer) as return_line_count,
        {{ qty('netted.returned_cnt') }} as returned_cnt,
        {{ money('netted.returned_amount') }} as returned_amount,
        {{ qty('case
            when not netted.is_return then netted.cnt - netted.returned_cnt
            when netted.returned_sale_sn is not null then 0
            else -abs(netted.cnt)
        end') }} as net_cnt,
        {{ money('case
            when not netted.is_return then netted.cnt * netted.finl_trns_pric - netted.returned_amount
            when netted.returned_sale_sn is not null then 0
            else -abs(netted.cnt * netted.finl_trns_pric)
        end') }} as net_amount,
        not netted.is_return and netted.cnt - netted.returned_cnt <= 0 as is_fully_returned,
        netted._file as source_file,
        netted._line as source_line
    from netted
    left join catalogue_rows
        on
            netted.fixmedins_code = catalogue_rows.fixmedins_code
            and netted.sale_sn = catalogue_rows.sale_sn
    left join persons
        on netted.psn_no = persons.psn_no
)

select * from final
