{#- R01: same visit, same hilist_code, same fee_ocur_time to the second,
    charged on more than one non-refunded line. Every line after the first is a hit. -#}
with

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

-- refunds never hit by themselves, fully refunded lines are no evidence, and pharmacy fee lines
-- are read from phar_sale by line rules
candidate_lines as (
    select
        *,
        {{ dbt.date_trunc('second', 'fee_ocur_time') }} as fee_second
    from fee_lines
    where
        not is_refund
        and not is_fully_refunded
        and not is_pharmacy_line
        and {{ hits_window('fee_date') }}
),

-- the (visit, item, second) groups with more than one line: an aggregate over the narrow key, so
-- the window below sorts only the few lines of duplicate groups, not every candidate line
duplicate_keys as (
    select
        mdtrt_id,
        hilist_code,
        fee_second
    from candidate_lines
    group by mdtrt_id, hilist_code, fee_second
    having count(*) > 1
),

ranked_lines as (
    select
        candidate_lines.*,
        row_number() over (
            partition by candidate_lines.mdtrt_id, candidate_lines.hilist_code, candidate_lines.fee_second
            order by candidate_lines.feedetl_sn
        ) as line_rank,
        count(*) over (
            partition by candidate_lines.mdtrt_id, candidate_lines.hilist_code, candidate_lines.fee_second
        ) as group_line_count,
        min(candidate_lines.feedetl_sn) over (
            partition by candidate_lines.mdtrt_id, candidate_lines.hilist_code, candidate_lines.fee_second
        ) as first_feedetl_sn
    from candidate_lines
    inner join duplicate_keys
        on
            candidate_lines.mdtrt_id = duplicate_keys.mdtrt_id
            and candidate_lines.hilist_code = duplicate_keys.hilist_code
            and candidate_lines.fee_second = duplicate_keys.fee_second
),

duplicate_groups as (
    select
        mdtrt_id,
        hilist_code,
        fee_second,
        {{ json_array_agg(json_object([
            ['feedetl_sn', 'feedetl_sn'],
            ['cnt', 'cnt'],
            ['pric', 'pric'],
            ['det_item_fee_sumamt', 'det_item_fee_sumamt'],
            ['refunded_cnt', 'refunded_cnt'],
            ['net_cnt', 'net_cnt'],
            ['net_amount', 'net_amount'],
            ['bilg_dr_code', 'bilg_dr_code'],
            ['source_file', 'source_file'],
            ['source_line', 'source_line'],
        ]), 'feedetl_sn') }} as group_lines
    from ranked_lines
    where group_line_count > 1
    group by mdtrt_id, hilist_code, fee_second
),

hits as (
    select
        ranked_lines.*,
        duplicate_groups.group_lines
    from ranked_lines
    inner join duplicate_groups
        on
            ranked_lines.mdtrt_id = duplicate_groups.mdtrt_id
            and ranked_lines.hilist_code = duplicate_groups.hilist_code
            and ranked_lines.fee_second = duplicate_groups.fee_second
    where ranked_lines.line_rank > 1
),

final as (
    select
        cast('R01' as {{ dbt.type_string() }}) as rule_code,
        {{ hit_id('R01', ['feedetl_sn']) }} as hit_id,
        fixmedins_code,
        psn_no,
        mdtrt_id,
        setl_id,
        feedetl_sn,
        cast(null as {{ dbt.type_string() }}) as sale_sn,
        hilist_code,
        fee_date as occurred_on,
        {{ money('net_amount') }} as suspect_amount,
        {{ json_to_string(json_object([
            ['mdtrt_id', 'mdtrt_id'],
            ['hilist_code', 'hilist_code'],
            ['hilist_name', 'hilist_name'],
            ['fee_ocur_time', 'fee_second'],
            ['lines_at_same_second', 'group_line_count'],
            ['kept_feedetl_sn', 'first_feedetl_sn'],
            ['hit_feedetl_sn', 'feedetl_sn'],
            ['hit_net_amount', 'net_amount'],
            ['lines', 'group_lines'],
        ])) }} as evidence,
        {{ catalogue_result_level('R01') }} as result_level
    from hits
)

select * from final
