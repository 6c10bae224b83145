"""sqlfluff-only stand-ins for dbt's cross-database macros (``dbt.dateadd`` …).

The jinja templater has no dbt: these render each macro as a plain function call so the
surrounding SQL can be parsed and linted. They are never used by dbt itself.
"""


def _call(name):
    def render(*args, **kwargs):
        parts = [str(a) for a in args] + [str(v) for v in kwargs.values()]
        return f"{name}({', '.join(parts)})"

    return render


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_timestamp():
    return "timestamp"


def concat(fields):
    return "concat(" + ", ".join(str(f) for f in fields) + ")"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, {interval})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def last_day(date, datepart):
    return f"last_day({date})"


def __getattr__(name):
    return _call(name)
