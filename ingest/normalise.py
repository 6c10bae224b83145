"""Value normalisation and row validation, generated as DuckDB SQL from the feed spec.

The reader leaves every delivered cell as a string in a staging table ``_stage(_line, c0, c1…)``.
One SELECT built here turns those strings into the feed's types and collects, per row, the reasons
it cannot be loaded. Doing it in SQL keeps ingest vectorised: a 10-million-line delivery is
normalised by DuckDB, not by a Python loop.

Normalisations (RELIABILITY.md bad inputs 9 and 10): full-width ASCII folded to half-width (NFKC
for the code, number and date columns), surrounding spaces trimmed, ``YYYYMMDD`` and Excel serial
dates converted, lower-case ``x`` in 身份证 upper-cased, 15-digit 身份证 converted to 18 digits.

Quarantine reasons are ``reason(column)`` codes joined by ``; `` — they name the column but never
repeat the value (the original values are kept in ``raw.quarantine.original``).
"""

from __future__ import annotations

import re

from ingest.check_digits import certno_check_char_sql
from ingest.specs import FeedSpec, Field
from warehouse.sql import literal

FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALFWIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "

DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y%m%d",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d %H:%M",
]
DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d",
    "%Y/%m/%d",
]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H%M"]
# Amounts: plain decimals, no thousands separator, at most 2 (money) / 4 (qty, price) decimals that
# are not zero — never re-scaled or rounded (12,50 / 1_000 / 12.005 are invalid_number).
MONEY = r"[+-]?([0-9]+(\.[0-9]{0,2}0*)?|\.[0-9]{1,2}0*)"
QTY = r"[+-]?([0-9]+(\.[0-9]{0,4}0*)?|\.[0-9]{1,4}0*)"
# digits-only dates are YYYYMMDD or YYYYMMDDHHMMSS: no Excel serials (1985, 60) and no 7-digit guesses
# (2025111) from text; Excel date cells arrive as ISO strings from the xlsx reader
DIGITS_ONLY_NOT_A_DATE = r"[0-9]{1,7}|[0-9]{9,13}|[0-9]{15,}"
# invisible characters in codes: no-break spaces become spaces (trimmed at the ends), zero-width
# characters and the soft hyphen are removed
NO_BREAK = "\u00a0\u2007\u202f"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# what spreadsheets and databases write for "no value"; in a code column they are not codes
NULL_MARKERS = ["NULL", "N/A", "#N/A", "NA", "\\N", "NONE", "NAN", "NIL", "-", "--", "\u2014", "\u2014\u2014"]
NULL_MARKER_RE = "(?i)" + "|".join(re.escape(m) for m in NULL_MARKERS)
# what Excel makes of codes: 3.601E+15 (a long number) and ="ST001" (text forced by a formula)
EXCEL_MANGLED = r"(?i)[0-9](\.[0-9]+)?E\+[0-9]{2}|=\".*\""
CODE_CONTROL = "[\\x00-\\x1f\\x7f]"
# one pass finds the rare suspect code; only a suspect one is told apart (three passes cost 2×)
CODE_SUSPECT = f"(?i){CODE_CONTROL}|^(?:{NULL_MARKER_RE[4:]})$|^(?:{EXCEL_MANGLED[4:]})$"

# connection-local helpers; created by ``install_macros`` on the loader's connection
MACROS = [
    f"create or replace temp macro yb_id_check(s) as {certno_check_char_sql('s')}",
]


def install_macros(con) -> None:
    for m in MACROS:
        con.execute(m)


def _lit_list(items: list[str]) -> str:
    return "[" + ", ".join(literal(x) for x in items) + "]"


def _clean(col: str, f: Field) -> str:
    if f.type == "text":
        # nfc_normalize stops at a NUL byte: such a value is kept whole for its control_character check
        return (
            f"nullif(trim(case when contains({col}, chr(0)) then {col} "
            f"else nfc_normalize(replace({col}, '\u3000', ' ')) end, ' \t\r\n'), '')"
        )
    half = HALFWIDTH.replace("'", "''") + " " * len(NO_BREAK)
    # translate() is slow: only values with non-ASCII characters (byte length > length) need it;
    # characters of its 'from' list beyond the 'to' list (the zero-width ones) are removed
    folded = (
        f"case when strlen({col}) = length({col}) then {col} "
        f"else translate({col}, '{FULLWIDTH}{NO_BREAK}{ZERO_WIDTH}', '{half}') end"
    )
    return f"nullif(trim({folded}, ' \t\r\n'), '')"


def _typed(v: str, f: Field) -> str:
    t = f.type
    if t in ("code", "text"):
        return v
    if t == "date":
        return (
            f"case when not regexp_full_match({v}, '{DIGITS_ONLY_NOT_A_DATE}') "
            f"then cast(try_strptime({v}, {_lit_list(DATE_FORMATS)}) as date) end"
        )
    if t == "datetime":
        return (
            f"case when not regexp_full_match({v}, '{DIGITS_ONLY_NOT_A_DATE}') "
            f"then date_trunc('second', try_strptime({v}, {_lit_list(DATETIME_FORMATS)})) end"
        )
    if t == "money":
        return f"case when regexp_full_match({v}, '{MONEY}') then try_cast({v} as decimal(18,2)) end"
    if t in ("qty", "price"):
        return f"case when regexp_full_match({v}, '{QTY}') then try_cast({v} as decimal(18,4)) end"
    if t == "int":
        return (
            f"case when try_cast({v} as double) = floor(try_cast({v} as double)) "
            f"then try_cast(try_cast({v} as double) as integer) end"
        )
    if t == "hhmm":
        return f"strftime(try_strptime({v}, {_lit_list(TIME_FORMATS)}), '%H:%M')"
    if t == "certno":
        u = f"upper(replace({v}, ' ', ''))"
        s17 = f"substr({u}, 1, 6) || '19' || substr({u}, 7, 9)"
        return f"case when regexp_full_match({u}, '[0-9]{{15}}') then {s17} || yb_id_check({s17}) else {u} end"
    raise AssertionError(t)


def _code_reason(v: str, c: str) -> str:
    """The reason a code value is not a code (an SQL expression, null when it is one)."""
    return (
        f"case when regexp_matches({v}, '{CODE_SUSPECT}') then case "
        f"when regexp_matches({v}, '{CODE_CONTROL}') then 'control_character({c})' "
        f"when regexp_full_match({v}, '{NULL_MARKER_RE}') then 'null_marker({c})' "
        f"when regexp_full_match({v}, '{EXCEL_MANGLED}') then 'excel_mangled({c})' end end"
    )


def _checks(v: str, t: str, f: Field) -> list[tuple[str, str]]:
    """(condition, reason) pairs for one field; v = cleaned string, t = typed value."""
    out: list[tuple[str, str]] = []
    c = f.code
    if f.required:
        out.append((f"{v} is null", f"missing_required({c})"))
    kind = {
        "date": "invalid_date",
        "datetime": "invalid_datetime",
        "money": "invalid_number",
        "qty": "invalid_number",
        "price": "invalid_number",
        "int": "invalid_integer",
        "hhmm": "invalid_time",
    }.get(f.type)
    if kind:
        out.append((f"{v} is not null and {t} is null", f"{kind}({c})"))
    if f.values:
        allowed = ", ".join(literal(x) for x in f.values)
        out.append((f"{t} is not null and {t} not in ({allowed})", f"invalid_value({c})"))
    if f.type in ("text", "certno", "hhmm"):
        out.append((f"regexp_matches({v}, '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]')", f"control_character({c})"))
    if f.type in ("date", "datetime"):
        upper = "date '2999-12-31'" if f.future_ok else "$today + 1"
        out.append(
            (
                f"{t} is not null and (cast({t} as date) < date '1900-01-01' or cast({t} as date) > {upper})",
                f"impossible_date({c})",
            )
        )
    if f.type == "certno":
        out.append(
            (f"{v} is not null and not regexp_full_match({t}, '[0-9]{{17}}[0-9X]')", f"invalid_certno_format({c})")
        )
        out.append(
            (
                f"regexp_full_match({t}, '[0-9]{{17}}[0-9X]') and substr({t}, 18, 1) <> yb_id_check({t})",
                f"invalid_certno_check_digit({c})",
            )
        )
        out.append(
            (
                f"regexp_full_match({t}, '[0-9]{{17}}[0-9X]') and "
                f"(try_strptime(substr({t}, 7, 8), '%Y%m%d') is null "
                f"or try_strptime(substr({t}, 7, 8), '%Y%m%d') < timestamp '1900-01-01' "
                f"or cast(try_strptime(substr({t}, 7, 8), '%Y%m%d') as date) > $today)",
                f"invalid_certno_birth_date({c})",
            )
        )
    return out


def normalise_sql(feed: FeedSpec, column_of: dict[str, str], extra_cols: list[str], width: int = 0) -> str:
    """SELECT over ``_stage`` giving typed contract columns, ``_extra`` and ``_reasons``.

    ``column_of`` maps field code -> staging column (``c3``); fields the file lacks are NULL.
    ``width`` is the number of delivered columns (a row repeating the header is quarantined).
    Parameters: ``$today`` (DATE, Asia/Shanghai), ``$sender`` (the file name's sender), ``$h0…`` the
    extra columns' header names and ``$hd0…`` the delivered header cells.
    """
    cleaned, typed, reasons = [], [], []
    for f in feed.fields:
        col = column_of.get(f.code)
        src = col if col else "cast(null as varchar)"
        cleaned.append(f'{_clean(src, f)} as "v_{f.code}"')
        typed.append(f'cast({_typed(f"v_{f.code}", f)} as {f.sql_type}) as "{f.code}"')
    for f in feed.fields:
        for cond, reason in _checks(f'"v_{f.code}"', f'"{f.code}"', f):
            reasons.append(f"case when {cond} then '{reason}' end")
        if f.type == "code":
            reasons.append(_code_reason(f'"v_{f.code}"', f.code))
        col = column_of.get(f.code)
        if col and f.type in ("code", "certno") and not f.numeric_ok:
            # an xlsx cell holding a number: leading zeros and digits beyond 15 are already lost
            reasons.append(f"case when list_contains(_numeric, {int(col[1:])}) then 'code_as_number({f.code})' end")
    if feed.sender_kind == "institution" and "fixmedins_code" in feed.field_by_code:
        # an institution delivers its own rows only: another institution's row would replace that
        # institution's row of the same key
        reasons.append("case when \"fixmedins_code\" <> $sender then 'foreign_institution(fixmedins_code)' end")
    for begin, end in feed.order_pairs:
        reasons.append(f'case when "{end}" < "{begin}" then \'end_before_begin({begin},{end})\' end')
    for cond, reason in feed.row_checks:
        reasons.append(f"case when {cond} then {literal(reason)} end")
    reason_list = f"list_filter([{', '.join(reasons) or 'cast(null as varchar)'}], lambda x: x is not null)"
    if width:
        same = " and ".join(f"coalesce(trim(c{i}), '') = $hd{i}" for i in range(width))
        reason_list = f"case when _header_again then ['repeated_header'] else {reason_list} end"
    else:
        same = "false"
    if extra_cols:
        extra = "json_object(" + ", ".join(f"$h{i}, {c}" for i, c in enumerate(extra_cols)) + ")"
    else:
        extra = "cast(null as varchar)"
    return f"""
with cleaned as (
    select _line, _numeric, {same} as _header_again, {", ".join(cleaned)}, cast({extra} as varchar) as _extra
    from _stage
),
typed as (
    select _line, _numeric, _header_again, {", ".join(typed)}, _extra,
        {", ".join(f'"v_{f.code}"' for f in feed.fields)}
    from cleaned
)
select
    _line,
    {", ".join(f'"{f.code}"' for f in feed.fields)},
    _extra,
    {reason_list} as _reasons
from typed
"""


def original_json_sql(header: list[str]) -> str:
    """JSON object of a staged row as delivered (header -> original string); params $o0…"""
    if not header:
        return "cast(null as varchar)"
    return "cast(json_object(" + ", ".join(f"$o{i}, c{i}" for i in range(len(header))) + ") as varchar)"
