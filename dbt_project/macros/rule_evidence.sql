{#-
    Evidence blocks several rule views share (RULES.md: evidence = the facts a supervisor needs to
    verify a hit without re-running SQL). Each macro writes the keys in one fixed order; a rule adds
    its own keys at the named places, so the JSON of every rule stays as it was written by hand.

    billed_line_evidence(findings, before=[], item=[], gross=true, batch=false, after=[])
        The whole evidence of a hit on one billed line (a row of int_billed_lines_unioned: a hospital
        fee line or a pharmacy sale line), as JSON text:
            before · line_source, hilist_code, hilist_name · item · occurred_at · findings
            · [unit_price, cnt, refunded_or_returned_cnt if gross] · net_cnt, net_amount
            · [fixmedins_bchno if batch] · source_file, source_line · after
    restriction_findings(limits, checked=[], visit=[])
        The findings of a catalogue restriction (R10–R13), for billed_line_evidence:
            limits (the restriction's columns) · catalogue_valid_from · checked (what the restriction
            was checked against) · visit_mdtrt_id, med_type · visit (further facts of the visit)
    stay_evidence(facts=[], at='time', columns={}, prefix='')
        A JSON object describing an inpatient stay (住院) of fct_visit:
            mdtrt_id · [fixmedins_code] · admission_<at>, discharge_<at> · [los_days] · main_diag_code
            · [main_diag_name] · [dscg_way] · [adm_dept_codg, atddr_code] · setl_id · medfee_sumamt
        facts: the optional keys to include (in brackets above; 'department' = adm_dept_codg and
        atddr_code); at: 'time' (begntime / endtime) or 'date' (begin_date / end_date); columns:
        the column a key reads where it is not fct_visit's usual one; prefix: put before every column
        (another stay's columns carried on the row, e.g. prev_ for the preceding stay).

    Every pair is [key, SQL expression]; the macros only arrange pairs for json_object (macros/json.sql),
    so they render the same on DuckDB and on Spark.
-#}

{% macro billed_line_evidence(findings, before=[], item=[], gross=true, batch=false, after=[]) -%}
    {%- set pairs = before + [
        ['line_source', 'line_source'],
        ['hilist_code', 'hilist_code'],
        ['hilist_name', 'hilist_name'],
    ] + item + [['occurred_at', 'occurred_at']] + findings -%}
    {%- if gross -%}
        {%- set pairs = pairs + [
            ['unit_price', 'unit_price'],
            ['cnt', 'cnt'],
            ['refunded_or_returned_cnt', 'cancelled_cnt'],
        ] -%}
    {%- endif -%}
    {%- set pairs = pairs + [['net_cnt', 'net_cnt'], ['net_amount', 'net_amount']] -%}
    {%- if batch -%}
        {%- set pairs = pairs + [['fixmedins_bchno', 'fixmedins_bchno']] -%}
    {%- endif -%}
    {%- set pairs = pairs + [['source_file', 'source_file'], ['source_line', 'source_line']] + after -%}
    {{ json_to_string(json_object(pairs)) }}
{%- endmacro %}


{% macro restriction_findings(limits, checked=[], visit=[]) -%}
    {{ return(
        limits
        + [['catalogue_valid_from', 'catalogue_valid_from']]
        + checked
        + [['visit_mdtrt_id', 'mdtrt_id'], ['med_type', 'med_type']]
        + visit
    ) }}
{%- endmacro %}


{% macro stay_evidence(facts=[], at='time', columns={}, prefix='') -%}
    {%- set known = ['fixmedins_code', 'los_days', 'main_diag_name', 'dscg_way', 'department'] -%}
    {%- for fact in facts if fact not in known -%}
        {{ exceptions.raise_compiler_error(
            "stay_evidence: unknown fact '" ~ fact ~ "' (known: " ~ known | join(', ') ~ ")") }}
    {%- endfor -%}
    {%- if at not in ('time', 'date') -%}
        {{ exceptions.raise_compiler_error("stay_evidence: at is 'time' or 'date', not '" ~ at ~ "'") }}
    {%- endif -%}
    {%- set defaults = {
        'mdtrt_id': 'mdtrt_id',
        'fixmedins_code': 'fixmedins_code',
        'admission_time': 'begntime',
        'discharge_time': 'endtime',
        'admission_date': 'begin_date',
        'discharge_date': 'end_date',
        'los_days': 'los_days',
        'main_diag_code': 'main_diag_code',
        'main_diag_name': 'dscg_maindiag_name',
        'dscg_way': 'dscg_way',
        'adm_dept_codg': 'adm_dept_codg',
        'atddr_code': 'atddr_code',
        'setl_id': 'last_effective_setl_id',
        'medfee_sumamt': 'medfee_sumamt',
    } -%}
    {%- set keys = ['mdtrt_id'] -%}
    {%- if 'fixmedins_code' in facts -%}{%- do keys.append('fixmedins_code') -%}{%- endif -%}
    {%- do keys.extend(['admission_' ~ at, 'discharge_' ~ at]) -%}
    {%- if 'los_days' in facts -%}{%- do keys.append('los_days') -%}{%- endif -%}
    {%- do keys.append('main_diag_code') -%}
    {%- if 'main_diag_name' in facts -%}{%- do keys.append('main_diag_name') -%}{%- endif -%}
    {%- if 'dscg_way' in facts -%}{%- do keys.append('dscg_way') -%}{%- endif -%}
    {%- if 'department' in facts -%}{%- do keys.extend(['adm_dept_codg', 'atddr_code']) -%}{%- endif -%}
    {%- do keys.extend(['setl_id', 'medfee_sumamt']) -%}
    {%- for key in columns if key not in keys -%}
        {{ exceptions.raise_compiler_error(
            "stay_evidence: columns names '" ~ key ~ "', which is not a key of this stay block") }}
    {%- endfor -%}
    {%- set pairs = [] -%}
    {%- for key in keys -%}
        {%- do pairs.append([key, prefix ~ columns.get(key, defaults[key])]) -%}
    {%- endfor -%}
    {{ json_object(pairs) }}
{%- endmacro %}
