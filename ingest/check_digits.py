"""Check characters of the national identifiers the feeds carry, in Python, numpy and SQL.

* 公民身份号码 (GB 11643-1999): 17 digits and a check character by ISO 7064 MOD 11-2;
* 统一社会信用代码 (GB 32100-2015): 17 characters of a 31-letter alphabet and a MOD 31 check
  character; its characters 9–17 are a 组织机构代码 (GB 11714: 8 characters and a MOD 11 check).

The loader quarantines 身份证号 whose check digit is wrong and the quality gate checks both
identifiers again, in DuckDB SQL; the sample generator makes valid ones by the million with numpy;
the tests and the identifier scanners validate single values. All of them compute the check
characters here.
"""

from __future__ import annotations

CERTNO_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CERTNO_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum modulo 11

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


# ------------------------------------------------------------------------- 身份证号


def certno_check_char(body17: str) -> str:
    """The 18th character of a 身份证号 whose first 17 digits are ``body17``."""
    return CERTNO_CHECK_CHARS[sum(int(c) * w for c, w in zip(body17, CERTNO_WEIGHTS, strict=True)) % 11]


def certno_valid(certno: str) -> bool:
    """18 characters: 17 digits and the right check character (``x`` counts as ``X``)."""
    return len(certno) == 18 and certno[:17].isdigit() and certno_check_char(certno[:17]) == certno[17].upper()


def certno_check_chars(digits):
    """Check characters for an ``(n, 17)`` integer matrix of 身份证 digits, as a numpy array of
    one-character strings (vectorised: the sample generator makes millions)."""
    import numpy as np

    chars = np.array(list(CERTNO_CHECK_CHARS))
    return chars[(digits @ np.array(CERTNO_WEIGHTS, dtype=np.int64)) % 11]


def certno_check_char_sql(col: str) -> str:
    """DuckDB expression for the check character of the 18-character 身份证号 in ``col`` (NULL when a
    character of the first 17 is not a digit)."""
    terms = " + ".join(f"try_cast(substr({col}, {i + 1}, 1) as integer) * {w}" for i, w in enumerate(CERTNO_WEIGHTS))
    return f"substr('{CERTNO_CHECK_CHARS}', (({terms}) % 11) + 1, 1)"


# ------------------------------------------------------------------------- 统一社会信用代码


def uscc_check_char(body17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 characters are ``body17``."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(uscc: str) -> bool:
    """18 characters of the code's alphabet and the right check character."""
    return len(uscc) == 18 and all(c in USCC_CHARS for c in uscc) and uscc_check_char(uscc[:17]) == uscc[17]


def uscc_check_char_sql(col: str) -> str:
    """DuckDB expression for the check character of the 统一社会信用代码 in ``col``."""
    terms = " + ".join(
        f"(strpos('{USCC_CHARS}', substr({col}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(USCC_WEIGHTS)
    )
    return f"substr('{USCC_CHARS}', ((31 - (({terms}) % 31)) % 31) + 1, 1)"


def org_code_check_char(body8: str) -> str:
    """The 9th character of a 组织机构代码 whose first 8 digits are ``body8``."""
    c = 11 - sum(int(ch) * w for ch, w in zip(body8, ORG_CODE_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)
