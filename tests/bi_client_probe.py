"""Open the BI export as a BI tool does and report what it sees, as JSON on stdout.

Runs in .venv-bi-client (DuckDB 1.x, duckdb-engine, SQLAlchemy 1.4: the stack of Superset's DuckDB
extra), never in the project's venv: it imports nothing of the project.

    python bi_client_probe.py <sqlalchemy url> <a file the BI connection must not read>
"""

from __future__ import annotations

import json
import sys

import duckdb
import sqlalchemy as sa


def _refused(conn, sql: str) -> str | None:
    try:
        conn.execute(sa.text(sql)).fetchall()
    except Exception as exc:  # what the client says is the point: report it
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def main(url: str, other_file: str) -> dict:
    engine = sa.create_engine(url)
    report: dict = {"duckdb": duckdb.__version__, "sqlalchemy": sa.__version__}
    inspector = sa.inspect(engine)
    tables = {}
    for schema in inspector.get_schema_names():
        name = schema.split(".")[-1]
        if name in ("information_schema", "pg_catalog", "main") or schema.startswith(("system.", "temp.")):
            continue
        for table in inspector.get_table_names(schema=name):
            comment = inspector.get_table_comment(table, schema=name).get("text")
            cols = {c["name"]: c.get("comment") for c in inspector.get_columns(table, schema=name)}
            tables[f"{name}.{table}"] = {"comment": comment, "columns": cols}
    report["tables"] = tables
    with engine.connect() as conn:
        report["settings"] = dict(
            zip(
                ("access_mode", "enable_external_access"),
                conn.execute(
                    sa.text("select current_setting('access_mode'), current_setting('enable_external_access')")
                ).fetchone(),
                strict=True,
            )
        )
        report["fee_lines"] = conn.execute(sa.text("select count(*) from core.fct_fee_line")).scalar()
        report["persons_counted"] = conn.execute(
            sa.text(
                "select count(distinct f.psn_key) from core.fct_fee_line as f "
                "inner join core.dim_person as p on f.psn_key = p.psn_key"
            )
        ).scalar()
        report["refused"] = {
            "read_csv": _refused(conn, f"select * from read_csv('{other_file}')"),
            "attach": _refused(conn, f"attach '{other_file}' as other"),
            "copy_to": _refused(conn, f"copy (select 1) to '{other_file}.written.csv'"),
            "create_table": _refused(conn, "create table core.x as select 1 as a"),
        }
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2]), ensure_ascii=False, default=str))
