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
            cat.valid_from as catalogue_valid_from,
            cat.hilist_name as catalogue_hilist_name,
            cat.list_type as catalogue_list_type,
            cat.med_chrgitm_type as catalogue_med_chrgitm_type,
            cat.pric_uplmt_amt as catalogue_pric_uplmt_amt,
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
