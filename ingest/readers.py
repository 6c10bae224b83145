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
    note: str | None = None  # a decoding choice the manifest must mention


# Characters Chinese medical data does not contain, but that GB18030 text read as UTF-8 (or UTF-8
# read as GB18030) produces: C1 controls, Latin Extended / IPA / combining marks, Cyrillic …
# NKo (two-byte UTF-8 sequences of GB18030 pairs such as D7 A1 D4 BA 住院 → סԺ).
IMPLAUSIBLE = re.compile("[\u0080-\u009f\u0100-\u036f\u0400-\u07ff]")
# a maximal run of non-ASCII bytes shaped like UTF-8 (checked by decoding it)
UTF8_RUN = re.compile(
    rb"(?<![\x80-\xff])(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})+"
    rb"(?![\x80-\xff])"
)
HIGH_BYTES = bytes(range(0x80, 0x100))
# UTF-8 evidence needs a byte below A1 (GB2312 text has none): chunks without one are skipped fast
BELOW_GB2312 = re.compile(rb"[\x80-\xa0]")


def _after_last_ascii(buf: bytes) -> int:
    """Index just after the last ASCII byte of ``buf`` (0 if none): runs are never cut there."""
    return len(buf.rstrip(HIGH_BYTES))


# GB2312 Chinese text: every non-ASCII byte pair a GB2312 character (lead A1–F7, trail A1–FE). UTF-8
# Chinese read as byte pairs almost always has a byte below A1 (its continuation bytes are 80–BF), and
# UTF-8 Cyrillic, Latin Extended … always does; text that is GB2312 Chinese is what GB18030 senders write.
GB2312_TEXT = re.compile(rb"(?:[\x00-\x7f]|[\xa1-\xf7][\xa1-\xfe])*")


def _is_gb2312(raw: bytes) -> bool:
    return GB2312_TEXT.fullmatch(raw) is not None


def _file_is_gb2312(path: Path) -> bool:
    """Whether every non-ASCII byte pair of the file is a GB2312 character (pairs never split)."""
    carry = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            buf = carry + chunk
            cut = _after_last_ascii(buf)
            if not _is_gb2312(buf[:cut]):
                return False
            carry = buf[cut:]
    return _is_gb2312(carry)


def _utf8_chinese_run(buf: bytes) -> int:
    """Offset in ``buf`` of the first run of non-ASCII bytes that is UTF-8 for two or more Chinese
    characters and is not also GB2312 Chinese (-1 if none): the evidence that text in the file is UTF-8.
    GB18030 names such as 濮鸿芳 can be valid UTF-8 by accident; their bytes are GB2312 pairs, which a
    UTF-8 field's almost never are."""
    for m in UTF8_RUN.finditer(buf):
        try:
            text = m.group().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(CJK.findall(text)) >= 2 and not _is_gb2312(m.group()):
            return m.start()
    return -1


def _line_at(path: Path, offset: int) -> int:
    """Physical line (1-based) holding the byte at ``offset`` (error paths only)."""
    with open(path, "rb") as fh:
        return fh.read(max(offset, 0)).count(b"\n") + 1


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


def _gb18030_pass(path: Path, size: int) -> tuple[int, str, str]:
    """(byte offset of the first GB18030 error or -1, its kind, first implausible character of the
    GB18030 reading or '')."""
    gb = codecs.getincrementaldecoder("gb18030")("strict")
    pos = 0
    odd = ""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            try:
                text = gb.decode(chunk, final=False)
            except UnicodeDecodeError as e:
                return pos - len(gb.getstate()[0]) + e.start, "invalid", odd
            if not odd and (m := IMPLAUSIBLE.search(text)):
                odd = m.group()
            pos += len(chunk)
        try:
            gb.decode(b"", final=True)
        except UnicodeDecodeError:
            return size - 1, "truncated", odd
    return -1, "", odd


def scan_file(path: Path, is_csv: bool) -> Scan:
    """One pass over the bytes: sha256, and for CSV the evidence that decides the encoding.

    The encoding is decided on the whole file, never on its first bytes:

    * a UTF-8 BOM means UTF-8 (strictly);
    * a file that is valid UTF-8 and valid GB18030 and whose every non-ASCII byte pair is a GB2312
      character is GB18030 (flagged): UTF-8 Chinese text almost always has continuation bytes 80–A0;
    * a file that is valid UTF-8 is UTF-8 — unless its UTF-8 reading holds characters Chinese data
      does not (``IMPLAUSIBLE``) while every non-ASCII byte pair of it is a GB2312 character: then it is
      GB18030, and the manifest says so (``Scan.note``). A UTF-8 file with Cyrillic or Latin-extended
      names stays UTF-8 (its bytes are no GB2312 text);
    * a file that is not valid UTF-8 is GB18030 if it is valid GB18030 and no part of it is UTF-8
      Chinese text; UTF-8 Chinese text in a file that is not UTF-8 as a whole refuses the file as
      mixed (GB18030 would read that part as other, valid Chinese characters: mojibake). A run that is
      UTF-8 Chinese *and* GB2312 Chinese is no such evidence: GB18030 text can be valid UTF-8 by accident.
    """
    h = hashlib.sha256()
    size = 0
    first = b""
    last = b""
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_ok = True
    utf8_odd = ""  # first implausible character of the UTF-8 reading
    utf8_run = -1  # byte offset of the first UTF-8 Chinese run
    non_ascii = False  # any byte ≥ 80
    below_gb2312 = False  # any byte 80–A0: never in GB2312 text, nearly always in UTF-8 Chinese
    carry = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            if not first:
                first = chunk[:3]
            h.update(chunk)
            start = size
            size += len(chunk)
            last = chunk[-1:]
            if not is_csv:
                continue
            if not non_ascii and not chunk.isascii():
                non_ascii = True
            chunk_low = BELOW_GB2312.search(chunk) is not None
            below_gb2312 = below_gb2312 or chunk_low
            if utf8_ok:
                try:
                    text = dec.decode(chunk, final=False)
                    if not utf8_odd and (m := IMPLAUSIBLE.search(text)):
                        utf8_odd = m.group()
                except UnicodeDecodeError:
                    utf8_ok = False
            if utf8_run < 0:
                # runs are cut at the last ASCII byte; the non-ASCII tail waits for the next chunk
                buf = carry + chunk
                cut = _after_last_ascii(buf)
                found = -1
                if chunk_low or BELOW_GB2312.search(carry):
                    found = _utf8_chinese_run(buf[:cut])
                if found >= 0:
                    utf8_run = start - len(carry) + found
                carry = buf[cut:]
        if is_csv and utf8_ok:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
        if is_csv and utf8_run < 0 and carry and (found := _utf8_chinese_run(carry)) >= 0:
            utf8_run = size - len(carry) + found
    scan = Scan(h.hexdigest(), size, None, last in (b"\n", b"\r"))
    if not is_csv or size == 0:
        return scan
    bom = first.startswith(codecs.BOM_UTF8)
    if utf8_ok and (bom or not utf8_odd):
        if not bom and non_ascii and not below_gb2312 and _gb18030_pass(path, size)[0] < 0 and _file_is_gb2312(path):
            # valid both ways and every non-ASCII byte pair a GB2312 character: GB18030 text that is
            # valid UTF-8 by accident (P1,濮鸿芳 reads as two other characters in UTF-8)
            scan.encoding = "gb18030"
            scan.note = (
                "decoded as GB18030: the file is valid UTF-8 and valid GB18030, and every non-ASCII byte "
                "pair of it is a GB2312 Chinese character, which UTF-8 Chinese text almost never is; "
                "deliver UTF-8 with BOM to leave no doubt"
            )
            return scan
        scan.encoding = "utf-8-sig" if bom else "utf-8"
        return scan
    if utf8_ok:
        # valid UTF-8 that reads as e.g. Hebrew: GB18030 if it reads as Chinese there
        gb_off, _, gb_odd = _gb18030_pass(path, size)
        if gb_off >= 0 or gb_odd or not _file_is_gb2312(path):
            scan.encoding = "utf-8"
            return scan
        if utf8_run >= 0:
            line = _line_at_char(path, utf8_odd)
            raise RefusedFile(
                f"the file mixes encodings: it is valid UTF-8 and valid GB18030; read as UTF-8 the text at byte "
                f"offset {utf8_run} (line {_line_at(path, utf8_run)}) is Chinese but line {line} holds "
                f"'{utf8_odd}' (U+{ord(utf8_odd):04X}), which GB18030 text read as UTF-8 produces; re-export the "
                "whole file in one encoding (UTF-8 with BOM leaves no doubt)",
                line=line,
            )
        scan.encoding = "gb18030"
        scan.note = (
            f"decoded as GB18030: the file is valid UTF-8 and valid GB18030, and as UTF-8 it holds "
            f"'{utf8_odd}' (U+{ord(utf8_odd):04X}, line {_line_at_char(path, utf8_odd)}), which Chinese "
            "data does not; deliver UTF-8 with BOM or GB18030 text that is not also valid UTF-8 to "
            "leave no doubt"
        )
        return scan
    off, reason = _utf8_error_offset(path, 0)
    if bom or utf8_run >= 0:
        if off >= size - 3 and reason == "unexpected end of data":
            raise RefusedFile(
                f"the file ends in the middle of a UTF-8 character (byte offset {off} of {size}): "
                "it looks truncated; re-deliver the complete file"
            )
        where = (
            "it starts with a UTF-8 byte-order mark"
            if bom
            else (f"the text at byte offset {utf8_run} (line {_line_at(path, utf8_run)}) is UTF-8 Chinese")
        )
        raise RefusedFile(
            f"not valid UTF-8 at byte offset {off} (line {_line_at(path, off)}: {reason}) although {where}: "
            "the file mixes encodings or is damaged; re-export the whole file as UTF-8, UTF-8 with BOM or "
            "GB18030 without mixing encodings",
            line=_line_at(path, off),
        )
    # no UTF-8 Chinese anywhere: the file must be GB18030 as a whole
    bad, kind, _ = _gb18030_pass(path, size)
    if kind == "truncated":
        raise RefusedFile(
            f"the file ends in the middle of a GB18030 character (byte offset {size - 1}): "
            "it looks truncated; re-deliver the complete file"
        )
    if bad >= 0:
        raise RefusedFile(
            f"bytes invalid in every accepted encoding (UTF-8 fails at byte offset {off}, "
            f"GB18030 at byte offset {bad}, line {_line_at(path, bad)}); deliver UTF-8, UTF-8 with BOM or "
            "GB18030/GBK",
            line=_line_at(path, bad),
        )
    scan.encoding = "gb18030"
    return scan


def _line_at_char(path: Path, ch: str) -> int:
    """Line of the first occurrence of ``ch`` in the UTF-8 reading (error/note paths only)."""
    with open(path, encoding="utf-8", newline="") as fh:
        for i, line in enumerate(fh, 1):
            if ch in line:
                return i
    return 0


@dataclass
class Table:
    """A file's header and an iterator of row batches: (line numbers, rows of str|None cells, and per
    row the indexes of cells delivered as numbers — xlsx only, ``None`` elsewhere)."""

    header: list[str]
    batches: Iterator[tuple[list[int], list[list[str | None]], list[list[int] | None] | None]]
    note: str | None = None  # a reading choice the manifest must mention (xlsx: the sheet loaded)


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
    if header and header[0].startswith("\ufeff"):
        fh.close()
        raise RefusedFile(
            "the file starts with a second byte-order mark (U+FEFF before the first header): it was saved "
            "with a BOM twice; save it once as UTF-8 (with or without BOM) and re-deliver",
            line=1,
        )
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
                    if "field larger than field limit" in str(e):
                        raise RefusedFile(
                            f"line {prev_end + 1}: a field is longer than {csv.field_size_limit():,} characters, "
                            "more than any field of the contract holds (an unbalanced quote also makes the rest "
                            "of the file one field); check the quoting of that line, shorten or remove the field "
                            "and re-deliver",
                            line=prev_end + 1,
                        ) from None
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
                    yield lines, rows, None
                    lines, rows = [], []
            if rows:
                yield lines, rows, None
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
        # Excel keeps 15 significant digits: 0.1 + 0.2 is 0.3 there, not 0.30000000000000004
        return format(v, ".15g")
    return str(v)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _a1(row: int, col: int) -> str:
    """0-based (row, column) -> Excel reference (``B7``)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _formula_cells(path: Path, sheet_name: str) -> tuple[int, str]:
    """(number of formula cells, the first one's reference) in the named worksheet.

    calamine returns a formula's cached result, which may be stale (computed before its inputs
    changed) or missing (a workbook written by a program that does not compute): read the XML."""
    import posixpath
    import zipfile
    from xml.etree.ElementTree import fromstring, iterparse

    with zipfile.ZipFile(path) as z:
        rid = next(
            (
                e.get(_NS_REL)
                for e in fromstring(z.read("xl/workbook.xml")).iter(f"{_NS}sheet")
                if e.get("name") == sheet_name
            ),
            None,
        )
        rels = fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
        if target is None:
            raise RefusedFile(f"worksheet '{sheet_name}' is listed but its part is missing; re-export the workbook")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        n, first = 0, ""
        # most sheets have no formula at all: a byte scan for a formula element (<f>, <f …/>, <x:f …>)
        # decides that, and only a sheet with one is parsed to count and locate them
        tag = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s/>]")
        with z.open(part) as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                if tag.search(tail + chunk):
                    break
                tail = chunk[-64:]
            else:
                return 0, ""
        with z.open(part) as fh:
            for _, elem in iterparse(fh):
                if elem.tag == f"{_NS}c":
                    if elem.find(f"{_NS}f") is not None:
                        n += 1
                        first = first or elem.get("r") or "?"
                    elem.clear()
        return n, first


def _has_values(rows: list[list]) -> bool:
    return any(c not in (None, "") for row in rows for c in row)


def read_xlsx(path: Path, sheet_name: str | None = None) -> Table:
    """The first visible worksheet (chart sheets are not worksheets), strictly: a workbook whose data
    is on another sheet too, merged cells or formulas are refused with the cell to fix.

    ``sheet_name`` (the feed's Chinese label, ``FeedSpec.label_zh``): when the workbook has a visible
    worksheet of exactly that name, that sheet is the one loaded and the other sheets are not read (a
    workbook the warehouse wrote carries a help sheet, and one workbook may serve two feeds, each from
    its own sheet); ``Table.note`` says so. Without such a sheet the strict first-sheet rule applies.
    """
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 - calamine raises several types for broken workbooks
        raise RefusedFile(f"not a readable .xlsx workbook ({e}); re-export it from Excel") from None
    visible = [
        m.name
        for m in wb.sheets_metadata
        if str(m.visible).lower().endswith(".visible") and str(m.typ).endswith("WorkSheet")
    ]
    if not visible:
        raise RefusedFile(
            "the workbook has no visible worksheet (chart sheets and hidden sheets are not read); "
            "unhide the sheet that holds the data and re-deliver"
        )
    note = None
    if sheet_name and sheet_name in visible and len(visible) > 1:
        others = [n for n in visible if n != sheet_name]
        note = f"worksheet '{sheet_name}' loaded (named by the feed); other sheet(s) not read: " + ", ".join(
            repr(n) for n in others
        )
        visible = [sheet_name]
    sheets = {name: wb.get_sheet_by_name(name) for name in visible}
    grids = {name: sh.to_python(skip_empty_area=False) for name, sh in sheets.items()}
    with_data = [name for name in visible if _has_values(grids[name])]
    if with_data and with_data[0] != visible[0]:
        raise RefusedFile(
            f"the first visible worksheet '{visible[0]}' is empty but worksheet '{with_data[0]}' holds data; the "
            "first visible worksheet is the one loaded: move the data there (or delete the empty sheet) and "
            "re-deliver"
        )
    if len(with_data) > 1:
        raise RefusedFile(
            f"worksheets {', '.join(repr(n) for n in with_data)} all hold data; one file loads one sheet (the "
            "first visible one): deliver each other sheet as a file of its own (its own <seq>) or delete it, "
            "then re-deliver"
        )
    name = visible[0]
    sheet, rows = sheets[name], grids[name]
    if not with_data:
        return Table([], iter(()), note)
    if sheet.merged_cell_ranges:
        refs = [f"{_a1(*a)}:{_a1(*b)}" for a, b in sheet.merged_cell_ranges]
        (r0, _), _ = sheet.merged_cell_ranges[0]
        raise RefusedFile(
            f"worksheet '{name}' has merged cells ({', '.join(refs[:5])}{' …' if len(refs) > 5 else ''}): a "
            "merged cell keeps its value only in its first cell; unmerge them, fill every cell and re-deliver",
            line=r0 + 1,
        )
    n_formulas, ref = _formula_cells(path, name)
    if n_formulas:
        raise RefusedFile(
            f"worksheet '{name}' has {n_formulas} formula cell(s), the first {ref}: a formula's "
            "stored result can be stale or missing; deliver values, not formulas (copy the sheet and paste "
            "as values) and re-deliver",
            line=int(re.sub(r"\D", "", ref) or 0) or None,
            column=ref,
        )
    start_row = (sheet.start or (0, 0))[0] if sheet.height else 0
    # skip leading blank rows so the header is the first row with content
    first = 0
    while first < len(rows) and all(c in (None, "") for c in rows[first]):
        first += 1
    header = [_cell_to_str(c) or "" for c in rows[first]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)

    def batches() -> Iterator[tuple[list[int], list[list[str | None]], list[list[int] | None]]]:
        lines: list[int] = []
        out: list[list[str | None]] = []
        numeric: list[list[int] | None] = []
        for i in range(first + 1, len(rows)):
            raw = rows[i][:width]
            cells = [_cell_to_str(c) for c in raw]
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
            numeric.append([j for j, c in enumerate(raw) if _is_number(c)] or None)
            if len(out) >= BATCH_ROWS:
                yield lines, out, numeric
                lines, out, numeric = [], [], []
        if out:
            yield lines, out, numeric

    return Table(header, batches(), note)
