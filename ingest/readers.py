"""Readers: turn one delivered file into a header and batches of string cells with line numbers.

Strict by design. CSV encodings are detected, never guessed: UTF-8 with BOM, UTF-8, or
GB18030 (a superset of GBK); a byte sequence invalid in all of them refuses the file with its byte
offset, so no U+FFFD replacement character can reach the warehouse. A file that ends in the middle
of a character or of a row is refused as truncated.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 1 << 20
CJK = re.compile("[\u3400-\u9fff]")
BATCH_ROWS = 100_000


class RefusedFile(Exception):
    """The whole file is refused; ``str(exc)`` says what, where and what to do."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


def file_sha256(path: Path) -> str:
    """The file's sha256 alone: how an already-handled delivery is recognised without decoding it
    (the encoding scan below costs about seven times the hashing)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass
class Scan:
    sha256: str
    size: int
    encoding: str | None  # for CSV: utf-8-sig | utf-8 | gb18030
    ends_with_newline: bool


def _utf8_error_offset(path: Path, start: int) -> tuple[int, str]:
    """Byte offset and kind of the first UTF-8 error (re-scan; only on the error path)."""
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    pos = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        pos = start
        while chunk := fh.read(CHUNK_BYTES):
            try:
                dec.decode(chunk, final=False)
            except UnicodeDecodeError as e:
                return pos - len(dec.getstate()[0]) + e.start, e.reason
            pos += len(chunk)
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError as e:
            return pos - len(dec.getstate()[0]) + e.start, "unexpected end of data"
    return -1, ""


def scan_file(path: Path, is_csv: bool) -> Scan:
    """One pass over the bytes: sha256, and for CSV a strict UTF-8 check that decides the encoding."""
    h = hashlib.sha256()
    size = 0
    first = b""
    last = b""
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_ok = True
    # Chinese characters decoded as valid UTF-8 before any error mean the file IS UTF-8 (a later bad
    # byte is corruption, not another encoding). Other non-ASCII is no evidence: GB18030 pairs such as
    # D7 A1 (住) are valid two-byte UTF-8 by accident.
    cjk_before_error = False
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            if not first:
                first = chunk[:3]
            h.update(chunk)
            size += len(chunk)
            last = chunk[-1:]
            if is_csv and utf8_ok:
                try:
                    text = dec.decode(chunk, final=False)
                    if not cjk_before_error and CJK.search(text):
                        cjk_before_error = True
                except UnicodeDecodeError as e:
                    utf8_ok = False
                    if not cjk_before_error and CJK.search(chunk[: e.start].decode("utf-8", errors="ignore")):
                        cjk_before_error = True
        if is_csv and utf8_ok:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
    scan = Scan(h.hexdigest(), size, None, last in (b"\n", b"\r"))
    if not is_csv or size == 0:
        return scan
    if utf8_ok:
        scan.encoding = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
        return scan
    off, reason = _utf8_error_offset(path, 0)
    if first.startswith(codecs.BOM_UTF8) or cjk_before_error:
        if off >= size - 3 and reason == "unexpected end of data":
            raise RefusedFile(
                f"the file ends in the middle of a UTF-8 character (byte offset {off} of {size}): "
                "it looks truncated; re-deliver the complete file"
            )
        raise RefusedFile(
            f"not valid UTF-8 at byte offset {off} ({reason}) although earlier bytes are UTF-8; "
            "re-export the file as UTF-8, UTF-8 with BOM or GB18030 without mixing encodings"
        )
    # no UTF-8 multi-byte text before the first bad byte: the file must be GB18030 as a whole
    gb = codecs.getincrementaldecoder("gb18030")("strict")
    pos = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            try:
                gb.decode(chunk, final=False)
            except UnicodeDecodeError as e:
                bad = pos - len(gb.getstate()[0]) + e.start
                raise RefusedFile(
                    f"bytes invalid in every accepted encoding (UTF-8 fails at byte offset {off}, "
                    f"GB18030 at byte offset {bad}); deliver UTF-8, UTF-8 with BOM or GB18030/GBK"
                ) from None
            pos += len(chunk)
        try:
            gb.decode(b"", final=True)
        except UnicodeDecodeError:
            raise RefusedFile(
                f"the file ends in the middle of a GB18030 character (byte offset {size - 1}): "
                "it looks truncated; re-deliver the complete file"
            ) from None
    scan.encoding = "gb18030"
    return scan


@dataclass
class Table:
    """A file's header and an iterator of row batches: (line numbers, rows of str|None cells)."""

    header: list[str]
    batches: Iterator[tuple[list[int], list[list[str | None]]]]


def _guess_delimiter(header_line: str) -> str:
    for name, ch in (("tab", "\t"), ("semicolon ';'", ";"), ("pipe '|'", "|"), ("full-width comma '，'", "，")):
        if header_line.count(ch) >= 2:
            return f" (the header seems to be separated by {name}; the contract requires ',')"
    return ""


def read_csv(path: Path, encoding: str, ends_with_newline: bool) -> Table:
    fh = open(path, encoding=encoding, errors="strict", newline="")  # noqa: SIM115 - closed by generator
    reader = csv.reader(fh, delimiter=",", quotechar='"', doublequote=True, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        return Table([], iter(()))
    except csv.Error as e:
        fh.close()
        raise RefusedFile(f"malformed CSV header: {e}", line=1) from None
    header_hint = _guess_delimiter(",".join(header))

    def batches() -> Iterator[tuple[list[int], list[list[str | None]]]]:
        width = len(header)
        lines: list[int] = []
        rows: list[list[str | None]] = []
        prev_end = reader.line_num
        try:
            while True:
                try:
                    rec = next(reader)
                except StopIteration:
                    break
                except csv.Error as e:
                    raise RefusedFile(
                        f"malformed CSV at line {reader.line_num}: {e} (an unterminated quote usually "
                        "means the file was truncated); re-deliver the complete file",
                        line=reader.line_num,
                    ) from None
                start = prev_end + 1
                prev_end = reader.line_num
                if not rec or (len(rec) == 1 and rec[0].strip() == ""):
                    continue  # blank line: not a row
                if len(rec) != width:
                    at_end = fh.read(1) == ""
                    if at_end and not ends_with_newline and len(rec) < width:
                        raise RefusedFile(
                            f"the last row (line {start}) has {len(rec)} of {width} fields and the file "
                            "does not end with a newline: it looks truncated; re-deliver the complete file",
                            line=start,
                        )
                    raise RefusedFile(
                        f"line {start} has {len(rec)} fields but the header has {width}{header_hint}; "
                        "fix the delimiter/quoting and re-deliver",
                        line=start,
                    )
                lines.append(start)
                rows.append(rec)
                if len(rows) >= BATCH_ROWS:
                    yield lines, rows
                    lines, rows = [], []
            if rows:
                yield lines, rows
        except UnicodeDecodeError as e:  # cannot happen after scan_file, but never swallow it
            raise RefusedFile(f"undecodable bytes ({e.reason}); deliver UTF-8 or GB18030") from None
        finally:
            fh.close()

    return Table(header, batches())


def _cell_to_str(v: object) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, dt.datetime):
        if v.hour == v.minute == v.second == 0 and v.microsecond == 0:
            return v.strftime("%Y-%m-%d")
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    if isinstance(v, dt.timedelta):  # calamine returns durations for time-only cells in some files
        secs = int(v.total_seconds())
        return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        if abs(v) >= 2**53:
            # an 18-digit 身份证 stored as an Excel number has lost its last digits: keep the
            # scientific form so validation refuses it instead of accepting a wrong number
            return repr(v).upper()
        return repr(v)
    return str(v)


def read_xlsx(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 - calamine raises several types for broken workbooks
        raise RefusedFile(f"not a readable .xlsx workbook ({e}); re-export it from Excel") from None
    visible = [m for m in wb.sheets_metadata if str(m.visible).lower().endswith("visible")]
    if not visible:
        raise RefusedFile("the workbook has no visible sheet")
    sheet = wb.get_sheet_by_name(visible[0].name)
    start_row = (sheet.start or (0, 0))[0] if sheet.height else 0
    rows = sheet.to_python(skip_empty_area=False)
    # skip leading blank rows so the header is the first row with content
    first = 0
    while first < len(rows) and all(c in (None, "") for c in rows[first]):
        first += 1
    if first >= len(rows):
        return Table([], iter(()))
    header = [_cell_to_str(c) or "" for c in rows[first]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)

    def batches() -> Iterator[tuple[list[int], list[list[str | None]]]]:
        lines: list[int] = []
        out: list[list[str | None]] = []
        for i in range(first + 1, len(rows)):
            cells = [_cell_to_str(c) for c in rows[i][:width]]
            extra = [c for c in rows[i][width:] if c not in (None, "")]
            if extra:
                raise RefusedFile(
                    f"row {start_row + i + 1} has values beyond the header's {width} columns; "
                    "give every column a header",
                    line=start_row + i + 1,
                )
            if all(c is None for c in cells):
                continue
            cells += [None] * (width - len(cells))
            lines.append(start_row + i + 1)  # Excel row number
            out.append(cells)
            if len(out) >= BATCH_ROWS:
                yield lines, out
                lines, out = [], []
        if out:
            yield lines, out

    return Table(header, batches())
