"""sqlfluff-only stand-in for dbt's ``exceptions``."""


def raise_compiler_error(message):
    raise RuntimeError(message)
