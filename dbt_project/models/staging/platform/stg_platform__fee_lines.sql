{#- Fee lines: the latest delivery of each feedetl_sn, with its fee date. The SQL is in
    macros/stage_fee_lines.sql because fct_fee_line's incremental path stages a subset the same way. -#}
{{ stage_fee_lines(source('platform', 'fee_list')) }}
