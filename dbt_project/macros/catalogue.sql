{#-
    catalogue_on_date(lines, key_columns, hilist_col, date_col, catalogue)

    The catalogue row valid on each line's date (RULES.md R02: "the catalogue row valid on the
    fee date when hilist carries validity dates"). Rows without validity dates are valid always;
    where several rows match (overlapping validity), the one that started last wins, so every
    line gets at most one catalogue row. Returns the line keys plus the catalogue columns.
-#}
{% macro catalogue_on_date(lines, key_columns, hilist_col, date_col, catalogue) -%}
    select matched.*
    from (
        select
            {%- for col in key_columns %}
            lines.{{ col }},
            {%- endfor %}
            {%- for col in catalogue_on_date_columns() %}
            cat.{{ col }} as catalogue_{{ col }},
            {%- endfor %}
            row_number() over (
                partition by {% for col in key_columns %}lines.{{ col }}{{ ", " if not loop.last }}{% endfor %}
                order by cat.effective_from desc
            ) as catalogue_match_rank
        from {{ lines }} as lines
        inner join {{ catalogue }} as cat
            on
                lines.{{ hilist_col }} = cat.hilist_code
                and lines.{{ date_col }} >= cat.effective_from
                and lines.{{ date_col }} <= cat.effective_to
    ) as matched
    where matched.catalogue_match_rank = 1
{%- endmacro %}


{#- The catalogue columns catalogue_on_date() returns (as catalogue_<column>); besides them it reads
    hilist_code, effective_from and effective_to. fct_fee_line's incremental path fingerprints exactly
    these per item and month (macros/fee_line_changes.sql), so a column added here is watched there. -#}
{% macro catalogue_on_date_columns() -%}
    {{ return(['valid_from', 'hilist_name', 'list_type', 'med_chrgitm_type', 'pric_uplmt_amt']) }}
{%- endmacro %}
