"""Small helpers: calendar arithmetic on day numbers, vectorised string formatting, identity numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.check_digits import org_code_check_char, uscc_check_char

EPOCH = dt.date(1970, 1, 1)
DAY = 86_400


def day_of(d: dt.date | str) -> int:
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return (d - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def month_start(year: int, month: int, add: int = 0) -> dt.date:
    m = year * 12 + (month - 1) + add
    return dt.date(m // 12, m % 12 + 1, 1)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def age_on(brdy: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years on ``day``; the birthday itself counts as the new age."""
    by, bm, bd = ymd(brdy)
    y, m, d = ymd(day)
    return y - by - ((m * 100 + d) < (bm * 100 + bd))


def month_index(days: np.ndarray, start_y: int, start_m: int) -> np.ndarray:
    y, m, _ = ymd(days)
    return (y * 12 + m - 1) - (start_y * 12 + start_m - 1)


# ----------------------------------------------------------------------------- string formatting
def pad(values: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    s = pc.utf8_lpad(pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()), width, "0")
    if prefix:
        s = pc.binary_join_element_wise(pa.scalar(prefix), s, "")
    return s


def ids(values: np.ndarray, width: int, prefix: str) -> pa.Array:
    """Zero-padded ids with a prefix; negative values become null."""
    v = np.asarray(values, dtype=np.int64)
    s = pad(np.where(v < 0, 0, v), width, prefix)
    if (v < 0).any():
        s = pc.if_else(pa.array(v < 0), pa.scalar(None, pa.string()), s)
    return s


def fixed(values: np.ndarray, scale: int, decimals: int, strip: bool = False) -> pa.Array:
    """Integers in 1/10**scale rendered as decimal text with ``decimals`` digits (optionally stripped)."""
    v = np.asarray(values, dtype=np.int64)
    if scale > decimals:
        f = 10 ** (scale - decimals)
        v = np.where(v >= 0, (v + f // 2) // f, -((-v + f // 2) // f))
    neg = v < 0
    a = np.abs(v)
    ip, fp = np.divmod(a, 10**decimals)
    s = pc.cast(pa.array(ip), pa.string())
    if decimals:
        s = pc.binary_join_element_wise(s, pad(fp, decimals), ".")
    if strip and decimals:
        s = pc.replace_substring_regex(s, r"0+$", "")
        s = pc.replace_substring_regex(s, r"\.$", "")
    if neg.any():
        s = pc.if_else(pa.array(neg), pc.binary_join_element_wise(pa.scalar("-"), s, ""), s)
    return s


def decimal(values: np.ndarray, scale: int, mask: np.ndarray | None = None, precision: int = 18) -> pa.Array:
    """decimal128(precision, scale) straight from integers already in 1/10**scale."""
    v = np.asarray(values, dtype=np.int64)
    n = len(v)
    buf = np.empty(2 * n, dtype=np.int64)
    buf[0::2] = v
    buf[1::2] = v >> 63
    arr = pa.Array.from_buffers(pa.decimal128(precision, scale), n, [None, pa.py_buffer(buf.tobytes())])
    if mask is not None and mask.any():
        arr = pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)
    return arr


def timestamps(secs: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(secs, dtype=np.int64), pa.timestamp("s"))
    if mask is not None and mask.any():
        arr = pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)
    return arr


def time_text(secs: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pc.strftime(timestamps(secs, mask), format="%Y-%m-%d %H:%M:%S")


def date_text(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(days, dtype=np.int64).astype(np.int32), pa.date32())
    if mask is not None and mask.any():
        arr = pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)
    return pc.strftime(arr, format="%Y-%m-%d")


def take_str(values: list[str] | np.ndarray | pa.Array, idx: np.ndarray) -> pa.Array:
    """Dictionary lookup: ``values[idx]`` as a string array; idx < 0 gives null."""
    idx = np.asarray(idx, dtype=np.int64)
    dic = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    out = dic.take(pa.array(np.where(idx < 0, 0, idx)))
    if (idx < 0).any():
        out = pc.if_else(pa.array(idx < 0), pa.scalar(None, pa.string()), out)
    return out


# ----------------------------------------------------------------------------- identity numbers
# (check characters: ingest/check_digits.py)


def org_code(n: int) -> str:
    """A 9-character 组织机构代码 (GB 11714) from a number."""
    body = f"{n:08d}"
    return body + org_code_check_char(body)


def uscc(reg: str, kind: str, admdvs: str, n: int) -> str:
    """统一社会信用代码 with its GB 32100 check character."""
    body = reg + kind + admdvs + org_code(n)
    return body + uscc_check_char(body)
