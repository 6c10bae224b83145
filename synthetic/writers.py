"""File writers: byte-deterministic CSV (UTF-8 / UTF-8 with BOM / GB18030), Parquet and .xlsx."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import xlsxwriter

from ingest.specs import FEEDS, FeedSpec


def landing_path(out: Path, feed: str, period: str, sender: str, ext: str, seq: int | None = None) -> Path:
    name = f"{sender}_{feed}_{period}" + (f"_{seq}" if seq is not None else "") + f".{ext}"
    p = out / feed / period / name
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def headers(feed: str, style: str, spec: FeedSpec | None = None) -> list[str]:
    """Column headers of a feed: ``codes`` or ``labels`` (Chinese, falling back to an alias or the code)."""
    spec = spec or FEEDS[feed]
    if style == "codes":
        return spec.codes
    return [f.label_zh or (f.aliases[0] if f.aliases else f.code) for f in spec.fields]


def write_csv(
    path: Path,
    cols: dict[str, pa.Array],
    feed: str,
    style: str = "codes",
    encoding: str = "utf-8",
    order: list[int] | None = None,
    crlf: bool = False,
    spec: FeedSpec | None = None,
) -> int:
    """Write the feed's columns (every contract column, in contract order unless ``order`` permutes it)."""
    spec = spec or FEEDS[feed]
    names = headers(feed, style, spec)
    arrays = [cols[c] if c in cols else pa.nulls(_n(cols), pa.string()) for c in spec.codes]
    arrays = [a if a.type == pa.string() else a.cast(pa.string()) for a in arrays]
    if order is not None:
        names = [names[i] for i in order]
        arrays = [arrays[i] for i in order]
    table = pa.Table.from_arrays(arrays, names=names)
    buf = io.BytesIO()
    pcsv.write_csv(
        table,
        buf,
        pcsv.WriteOptions(quoting_style="needed", quoting_header="none", eol="\r\n" if crlf else "\n"),
    )
    data = buf.getvalue()
    if encoding == "gb18030":
        data = data.decode("utf-8").encode("gb18030")
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return table.num_rows


def _n(cols: dict[str, pa.Array]) -> int:
    return len(next(iter(cols.values()))) if cols else 0


def write_parquet(path: Path, cols: dict[str, pa.Array], feed: str) -> int:
    spec = FEEDS[feed]
    n = _n(cols)
    arrays = [cols[c] if c in cols else pa.nulls(n, pa.string()) for c in spec.codes]
    table = pa.Table.from_arrays(arrays, names=spec.codes)
    pq.write_table(table, path, compression="zstd", write_statistics=True)
    return n


def write_xlsx(path: Path, feed: str, rows: list[list], style: str, sheet: str) -> int:
    """Casework workbooks: strings as text cells, dates as Excel date cells, amounts as numbers."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2025, 1, 1), "author": "云澜市医疗保障局"})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    moneyf = wb.add_format({"num_format": "#,##0.00"})
    ws.write_row(0, 0, headers(feed, style), bold)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), datef)
            elif isinstance(v, float):
                ws.write_number(r, c, v, moneyf)
            else:
                ws.write_string(r, c, str(v))
    ws.set_column(0, len(FEEDS[feed].fields) - 1, 16)
    wb.close()
    return len(rows)
