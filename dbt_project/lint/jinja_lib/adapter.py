"""sqlfluff-only stand-in for dbt's ``adapter``: a dispatched macro renders as a function call."""

# dispatched macros that render a whole select statement rather than an expression
STATEMENTS = {
    "day_series": lambda start, end, relation: (
        f"select unnest(generate_series({start}, {end}, interval 1 day)) as date_day from {relation}"
    ),
    "select_evidence_kb_points": lambda hits: f"select hit_id, unnest(kb_point_ids) as kb_point_id from {hits}",
}


def dispatch(macro_name, macro_namespace=None):
    if macro_name in STATEMENTS:
        return STATEMENTS[macro_name]

    def render(*args, **kwargs):
        parts = [str(a) for a in args] + [str(v) for v in kwargs.values()]
        return f"{macro_name}({', '.join(parts)})"

    return render
