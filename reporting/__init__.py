"""Quarterly 通报 of the reporting marts: an Excel workbook and a self-contained HTML page per quarter.

Pure Python (duckdb connection and dbt manifest in, files out); importable without Dagster."""

from reporting.html import render_html
from reporting.workbook import render_workbook

__all__ = ["render_html", "render_workbook", "render_all"]


def render_all(con, out_root, manifest_path, quarters=None) -> dict[str, list]:
    """Renders every quarter of reporting.rpt_quarters (or the given ones) under out_root/<YYYYQn>/, with
    the column headers of the dbt manifest at manifest_path."""
    from pathlib import Path

    from reporting.data import quarters as all_quarters

    out = {}
    for q in quarters or all_quarters(con):
        d = Path(out_root) / q
        out[q] = [render_workbook(con, q, d, manifest_path), render_html(con, q, d, manifest_path)]
    return out
