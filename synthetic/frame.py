"""A tiny columnar container: a dict of equal-length numpy arrays with concat / filter helpers."""

from __future__ import annotations

import numpy as np

# column -> dtype of the internal tables (integers everywhere; strings are made at write time)
SCHEMAS: dict[str, dict[str, str]] = {
    # visits (mdtrt) — kind 0 outpatient, 1 inpatient, 2 pharmacy
    "visits": dict(
        vid="i8",
        psn="i8",
        inst="i8",
        med_type="i8",
        begn="i8",
        end="i8",
        dx="i8",
        dx2="i8",
        dept="i8",
        dr="i8",
        dscg_way="i8",
        cert="i8",
        setl_t="i8",
        kind="i8",
        case="?",
        ipt_no="i8",
    ),
    # fee lines (fee_list); sid links a pharmacy fee line to its phar_sale line
    "lines": dict(
        lid="i8",
        vid="i8",
        psn="i8",
        inst="i8",
        t="i8",
        item="i8",
        cnt="i8",
        pric="i8",
        amt="i8",
        dr="i8",
        dept="i8",
        trac="i8",
        drord="i8",
        init="i8",
        his="?",
        case="?",
        role="i8",
        sid="i8",
        setl="i8",
    ),
    # pharmacy sale lines (phar_sale)
    "sales": dict(
        sid="i8",
        inst="i8",
        vid="i8",
        psn="i8",
        t="i8",
        item="i8",
        cnt="i8",
        pric="i8",
        rx="i8",
        rxno="i8",
        dr="i8",
        trac="i8",
        retn="i8",
        init="i8",
        case="?",
    ),
    # settlements (setl)
    "setls": dict(
        setl="i8",
        vid="i8",
        psn="i8",
        inst="i8",
        t="i8",
        refd="i8",
        init="i8",
        medfee="i8",
        fulamt="i8",
        inscp="i8",
        fund="i8",
        acct="i8",
        cash="i8",
        cert="i8",
        case="?",
    ),
    # HIS charge lines, orders and inpatient registrations
    "his_charge": dict(csn="i8", inst="i8", vid="i8", drord="i8", item="i8", cnt="i8", pric="i8", amt="i8", t="i8"),
    "his_order": dict(
        drord="i8", inst="i8", ipt_no="i8", vid="i8", otype="i8", item="i8", start="i8", stop="i8", dr="i8"
    ),
    "his_reg": dict(
        ipt_no="i8",
        inst="i8",
        vid="i8",
        adm="i8",
        dscg="i8",
        dept="i8",
        bed="i8",
        dx_adm="i8",
        dx="i8",
        dr="i8",
    ),
}


class Frame:
    __slots__ = ("name", "cols")

    def __init__(self, name: str, cols: dict[str, np.ndarray] | None = None, n: int = 0):
        self.name = name
        schema = SCHEMAS[name]
        if cols is None:
            cols = {}
        out = {}
        for c, dt in schema.items():
            v = cols.get(c)
            if v is None:
                v = np.full(n if not cols else len(next(iter(cols.values()))), -1 if dt == "i8" else False, dt)
            out[c] = np.asarray(v, dtype=dt)
        lens = {len(v) for v in out.values()}
        if len(lens) > 1:
            raise ValueError(f"{name}: ragged columns {lens}")
        self.cols = out

    def __len__(self) -> int:
        return len(next(iter(self.cols.values())))

    def __getitem__(self, c: str) -> np.ndarray:
        return self.cols[c]

    def __setitem__(self, c: str, v) -> None:
        self.cols[c] = np.broadcast_to(np.asarray(v, dtype=SCHEMAS[self.name][c]), (len(self),)).copy()

    def take(self, idx) -> Frame:
        return Frame(self.name, {c: v[idx] for c, v in self.cols.items()})

    @staticmethod
    def cat(name: str, frames: list[Frame]) -> Frame:
        frames = [f for f in frames if f is not None and len(f)]
        if not frames:
            return Frame(name, n=0)
        return Frame(name, {c: np.concatenate([f.cols[c] for f in frames]) for c in SCHEMAS[name]})


class Counters:
    """Global id counters: every id is unique across the whole delivery."""

    def __init__(self):
        self.n: dict[str, int] = {}

    def take(self, kind: str, k: int) -> np.ndarray:
        start = self.n.get(kind, 0) + 1
        self.n[kind] = start + k - 1
        return np.arange(start, start + k, dtype=np.int64)

    def one(self, kind: str) -> int:
        return int(self.take(kind, 1)[0])
