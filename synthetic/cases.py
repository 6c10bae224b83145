"""Injected cases: for every rule R01–R22 at least two that must hit and at least one near-miss.

Each case has its own persons and visits, so no two cases share a key. Cases do not depend on the
scale: they sit at fixed days of the first months of the window (R17's near-miss uses the last
month), plus a few hits (R01, R10, R13, R20) in the first month of every later quarter, so every
quarter of the window, the latest included, has clues, and one 要情 case (R21: a surge of 双腔起搏器 at
H2) whose clue alone reaches the 50万 major-case amount. Dates are relative to the window start, so
``--start`` moves them along.

``floors`` records, for some hit lines, the line's amount: a lower bound of the suspect amount of the
clue (institution × quarter) the hit falls in. The case_clue feed derives its confirmed amounts from
these bounds (and the 要情 clue's from the R21 month amounts), so nothing confirmed exceeds what the
warehouse suspects.

The ground truth names the keys at the grain of each rule (see ``TRUTH_KEYS``); a near-miss row uses
the same grain for the object that sits just on the safe side of the definition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from . import catalogue as cat
from .activity import CatArrays
from .kb import KnowledgeBase
from .util import DAY, date_of, day_of
from .world import Institution, World

TRUTH_COLUMNS = (
    "rule_code",
    "expect_hit",
    "case_id",
    "fixmedins_code",
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "feedetl_sn",
    "sale_sn",
    "hilist_code",
    "period",
    "occurred_on",
    "note",
)

# which keys the truth rows of a rule fill (the grain of the rule's hits)
TRUTH_KEYS = {
    "R01": "mdtrt_id+hilist_code",
    "R02": "feedetl_sn",
    "R03": "mdtrt_id+hilist_code (sub item)",
    "R04": "mdtrt_id+hilist_code",
    "R05": "mdtrt_id",
    "R06": "mdtrt_id",
    "R07": "mdtrt_id",
    "R08": "mdtrt_id",
    "R09": "mdtrt_id | sale_sn",
    "R10": "feedetl_sn",
    "R11": "feedetl_sn",
    "R12": "feedetl_sn",
    "R13": "feedetl_sn",
    "R14": "setl_id",
    "R15": "feedetl_sn | sale_sn",
    "R16": "fixmedins_code+hilist_code+period",
    "R17": "fixmedins_code+hilist_code+period",
    "R18": "feedetl_sn | sale_sn (the later occurrence)",
    "R19": "psn_no+hilist_code",
    "R20": "setl_id",
    "R21": "fixmedins_code+hilist_code+period",
    "R22": "mdtrt_id+hilist_code+occurred_on",
}
# (rules read from knowledge points add their keys where their cases are defined, e.g. kb_points.py)


@dataclass(eq=False)
class CLine:
    t: int
    item: int
    cnt: int
    pric: int | None = None  # None: the catalogue price on the fee date
    dr: int | None = None  # None: the visit's doctor
    trac: str | None = None  # a token: lines with the same token carry the same 追溯码
    his: bool = True  # mirrored into his_charge at HIS hospitals
    refund_of: CLine | None = None
    lid: int = -1


@dataclass(eq=False)
class CVisit:
    psn: int
    inst: int
    med_type: int
    begn: int
    end: int
    dx: str | None
    dept: str
    dr: int
    dscg_way: int = -1
    dx2: str | None = None
    lines: list[CLine] = field(default_factory=list)
    his_extra: list[tuple[int, int, int]] = field(default_factory=list)  # (t, item, cnt) HIS-only charges
    reverse_at: int | None = None
    vid: int = -1
    setl: int = -1

    @property
    def setl_t(self) -> int:
        return self.end + (1800 if self.med_type == 21 else 5)


@dataclass(eq=False)
class CSLine:
    item: int
    cnt: int
    pric: int
    t: int
    trac: str | None = None
    rx: int = 0
    dr: int = -1
    retn: int = 0
    init: CSLine | None = None
    sid: int = -1
    lid: int = -1  # the mirrored fee line (settled sales)


@dataclass(eq=False)
class CSale:
    inst: int
    psn: int
    t: int
    lines: list[CSLine]
    settled: bool
    dr: int = -1  # pharmacist (bilg_dr_code of the mirrored fee lines)
    vid: int = -1
    setl: int = -1

    @property
    def setl_t(self) -> int:
        return max(sl.t for sl in self.lines) + 30


@dataclass
class Truth:
    rule: str
    hit: int
    case_id: str
    note: str
    keys: dict


class Cases:
    def __init__(self, world: World, kb: KnowledgeBase, cats: CatArrays, rng: np.random.Generator):
        self.w = world
        self.kb = kb
        self.c = cats
        self.rng = rng
        self.win = world.window
        self.visits: list[CVisit] = []
        self.sales: list[CSale] = []
        self.truth: list[Truth] = []
        # (inst, item) -> {month: (purchase qty, transfer-in qty)} in 1/10000 units
        self.inv_plan: dict[tuple[int, int], dict[int, tuple[int, int]]] = {}
        # (inst, fee day, amount in cents) of hit lines whose suspect amount is exactly the line's amount
        self.floors: list[tuple[int, int, int]] = []
        # the 要情 case: (inst, item, window month) of the R21 surge
        self.major: tuple[int, int, int] | None = None
        self.ghost_doc = self._ghost()
        for rule in sorted(RULES):
            RULES[rule](self)
        _later_quarters(self)
        _major_case(self)

    # ------------------------------------------------------------------ building blocks
    def _ghost(self) -> int:
        from .world import Practitioner

        p = Practitioner(len(self.w.pracs), "D990199999999", "未登记", self.role("H1").idx, regular=False)
        p.ghost = True  # type: ignore[attr-defined]
        self.w.pracs.append(p)
        return p.idx

    def role(self, r: str) -> Institution:
        return self.w.role(r)

    def day(self, k: int, d: int) -> int:
        """Day number of day ``d`` of window month ``k`` (d may run past the month end)."""
        return self.win.month_first(k) + d - 1

    def at(self, day: int, hh: int, mm: int = 0, ss: int = 0) -> int:
        return day * DAY + hh * 3600 + mm * 60 + ss

    def person(
        self,
        gend: int = 1,
        age: int = 45,
        on: int | None = None,
        brdy: int | None = None,
        insutype: str = "310",
        die: int | None = None,
    ) -> int:
        if brdy is None:
            ref = date_of(on if on is not None else self.win.first_day)
            b = dt.date(ref.year - age - 1, 1 + int(self.rng.integers(0, 12)), 1 + int(self.rng.integers(0, 28)))
            brdy = day_of(b)
        county = "990101" if gend == 1 else "990103"
        return self.w.add_case_person(gend, brdy, insutype=insutype, admdvs=county, die=die)

    def doc(self, inst: Institution, k: int = 0) -> int:
        docs = self.w.docs_of[inst.idx]
        return int(docs[k % len(docs)])

    def it(self, code: str) -> int:
        return cat.BY_CODE[code].idx

    def units(self, code: str, packs: float = 1) -> int:
        item = cat.BY_CODE[code]
        if item.list_type == "101":
            return cat.q4(item.pack * packs)
        return cat.q4(packs)

    def op(
        self,
        psn: int,
        inst: Institution,
        day: int,
        dx: str,
        items: list,
        hh: int = 9,
        mm: int = 0,
        dx2: str | None = None,
        dr: int | None = None,
        med_type: int = 11,
        dept: str = "A03",
    ) -> CVisit:
        """An outpatient visit: registration lines by level, then ``items`` (code | (code, opts))."""
        t0 = self.at(day, hh, mm)
        dr = self.doc(inst) if dr is None else dr
        v = CVisit(psn, inst.idx, med_type, t0, t0, dx, dept, dr, dx2=dx2)
        t = t0 + 60
        regs = cat.OP_REG if inst.hosp_lv >= 2 else (cat.OP_GENERAL,)
        for r in regs:
            v.lines.append(CLine(t, self.it(r), cat.P4))
            t += 30
        for spec in items:
            code, opts = (spec, {}) if isinstance(spec, str) else spec
            n_lines = opts.get("lines", 1)
            for _ in range(n_lines):
                if "at" in opts:
                    lt = opts["at"]
                else:
                    lt = t
                    t += 30
                cnt = opts.get("cnt", self.units(code))
                v.lines.append(
                    CLine(
                        lt,
                        self.it(code),
                        cnt,
                        pric=opts.get("pric"),
                        dr=opts.get("dr"),
                        trac=opts.get("trac"),
                        his=opts.get("his", True),
                    )
                )
        v.end = max(ln.t for ln in v.lines) + 600
        self.visits.append(v)
        return v

    def floor(self, v: CVisit, line: CLine) -> None:
        """Record a hit line whose suspect amount is the line's amount (rules R10–R13: net line amount)."""
        day = line.t // DAY
        pric = line.pric
        if pric is None:
            pric = int(self.c.price_at(np.array([line.item]), np.array([day]))[0])
        self.floors.append((v.inst, day, (line.cnt * pric + 500_000) // 1_000_000))

    def refund(self, v: CVisit, line: CLine, after: int = 120, cnt: int | None = None) -> CLine:
        r = CLine(
            line.t + after,
            line.item,
            -(line.cnt if cnt is None else cnt),
            pric=line.pric,
            dr=line.dr,
            his=line.his,
            refund_of=line,
        )
        v.lines.append(r)
        v.end = max(v.end, r.t + 60)
        return r

    def stay(
        self,
        psn: int,
        inst: Institution,
        adm_day: int,
        los: int,
        dx: str,
        daily: tuple[str, ...] = ("XW00124",),
        idle: tuple[int, ...] = (),
        extra: tuple = (),
        adm_hh: int = 9,
        adm_mm: int = 0,
        dscg_hh: int = 10,
        dscg_way: int = 1,
        bare: bool = False,
        dept: str = "A03",
    ) -> CVisit:
        """An inpatient stay of ``los`` days: every stay day bed + 二级护理 + 住院诊查费, and unless the day
        is in ``idle`` the anchors (0.9%氯化钠 + 静脉输液) and the ``daily`` drugs.

        ``extra`` = (day, code, opts) lines."""
        begn = self.at(adm_day, adm_hh, adm_mm)
        end = self.at(adm_day + los, dscg_hh)
        dr = self.doc(inst, 1)
        v = CVisit(psn, inst.idx, 21, begn, end, dx, dept, dr, dscg_way=dscg_way)
        bed = cat.BED_FEE[3] if inst.hosp_lv >= 3 else cat.BED_FEE[2]
        for k in range(los):
            base = begn + 600 if k == 0 else self.at(adm_day + k, 8, 10)
            fixed = [bed, "001202000020000"] + ([] if bare else [cat.IPT_EXAM_FEE])
            active = [] if (k in idle or bare) else ["XW00101", "003101000010000", *daily]
            for j, code in enumerate(fixed + active):
                item = cat.BY_CODE[code]
                cnt = cat.q4(item.upd) if item.upd else cat.P4
                v.lines.append(CLine(base + 40 * j, item.idx, cnt))
        for d, code, opts in extra:
            item = cat.BY_CODE[code]
            base = begn + 600 if d == 0 else self.at(adm_day + d, 8, 10)
            t = opts.get("at", base + 40 * (20 + len(v.lines) % 20))
            cnt = opts.get("cnt", cat.q4(item.upd) if (item.upd and item.is_drug) else cat.P4)
            v.lines.append(CLine(t, item.idx, cnt, pric=opts.get("pric"), dr=opts.get("dr"), his=opts.get("his", True)))
        self.visits.append(v)
        return v

    def sale(
        self,
        psn: int,
        inst: Institution,
        day: int,
        items: list,
        hh: int = 10,
        mm: int = 0,
        ss: int = 0,
        settled: bool = True,
    ) -> CSale:
        """A pharmacy transaction: ``items`` = code | (code, opts); one line per pack (own 追溯码)."""
        t = self.at(day, hh, mm, ss)
        lines = []
        for spec in items:
            code, opts = (spec, {}) if isinstance(spec, str) else spec
            item = cat.BY_CODE[code]
            for _ in range(opts.get("packs", 1)):
                rx = 0 if item.otc else 1
                dr = opts.get("dr", self.doc(self.role("H2"), 2) if rx else -1)
                lines.append(
                    CSLine(
                        item.idx,
                        self.units(code),
                        int(self.c.price_at(np.array([item.idx]), np.array([day]))[0]),
                        t + 20 * len(lines),
                        trac=opts.get("trac"),
                        rx=rx,
                        dr=dr,
                    )
                )
        s = CSale(inst.idx, psn, t, lines, settled, dr=self.doc(inst))
        self.sales.append(s)
        return s

    def sale_return(self, orig: CSale, line: CSLine, t: int) -> CSale:
        r = CSLine(line.item, -line.cnt, line.pric, t, trac=line.trac, rx=line.rx, dr=line.dr, retn=1, init=line)
        s = CSale(orig.inst, orig.psn, t, [r], False)
        self.sales.append(s)
        return s

    def plan(self, inst: Institution, code: str, month: int, purchase: int = 0, transfer: int = 0) -> None:
        self.inv_plan.setdefault((inst.idx, self.it(code)), {})[month] = (purchase, transfer)

    def add(self, rule: str, hit: int, n: int, note: str, **keys) -> None:
        self.truth.append(Truth(rule, hit, f"{rule}-{'H' if hit else 'N'}{n}", note, keys))

    def period(self, k: int) -> str:
        return self.win.period(k)


RULES: dict[str, callable] = {}


def rule(code: str):
    def deco(fn):
        RULES[code] = fn
        return fn

    return deco


# ---------------------------------------------------------------------------------------------- R01
@rule("R01")
def _r01(c: Cases) -> None:
    H1, H4, H5, H6 = (c.role(x) for x in ("H1", "H4", "H5", "H6"))
    d = c.day(1, 5)
    t = c.at(d, 9, 10)
    v = c.op(
        c.person(1, 45),
        H4,
        d,
        "J06.900",
        [("002501000010000", {"at": t}), ("002501000010000", {"at": t}), "ZC00015"],
    )
    c.add("R01", 1, 1, "血常规 charged twice at the same second", mdtrt_id=v, hilist_code="002501000010000")
    s = c.stay(
        c.person(2, 60),
        H1,
        c.day(1, 8),
        4,
        "J18.900",
        daily=("XW00019",),
        extra=((2, "XW00019", {"at": c.at(c.day(1, 10), 8, 10) + 40 * 5}),),
    )
    c.add(
        "R01",
        1,
        2,
        "inpatient: 头孢呋辛 twice at the same second on day 2 (mirrored in HIS)",
        mdtrt_id=s,
        hilist_code="XW00019",
    )
    d = c.day(2, 3)
    t = c.at(d, 10, 0)
    v = c.op(
        c.person(1, 50),
        H5,
        d,
        "E11.900",
        [("002503000090000", {"at": t}), ("002503000090000", {"at": t + 1})],
    )
    c.add("R01", 0, 1, "near-miss: 血糖测定 twice, 1 second apart", mdtrt_id=v, hilist_code="002503000090000")
    d = c.day(2, 10)
    t = c.at(d, 10, 0)
    v = c.op(c.person(2, 38), H6, d, "J06.900", [("002501000010000", {"at": t}), ("002501000010000", {"at": t})])
    c.refund(v, v.lines[-1])
    c.add(
        "R01",
        0,
        2,
        "near-miss: same-second duplicate of 血常规 fully refunded",
        mdtrt_id=v,
        hilist_code="002501000010000",
    )


# ---------------------------------------------------------------------------------------------- R02
@rule("R02")
def _r02(c: Cases) -> None:
    H2, H3, H4 = c.role("H2"), c.role("H3"), c.role("H4")
    ecg = cat.BY_CODE["003102000010000"]
    v = c.op(c.person(1, 55), H3, c.day(1, 12), "I10.x00", [("003102000010000", {"pric": cat.q4(ecg.cap + 0.02)})])
    c.add("R02", 1, 1, "常规心电图 at cap + 0.02", feedetl_sn=v.lines[-1])
    ct = cat.BY_CODE["002103000030000"]
    chg = c.win.change_day
    v = c.op(c.person(2, 62), H2, chg + 2, "J20.900", [("002103000030000", {"pric": cat.q4(ct.cap)})])
    c.add(
        "R02",
        1,
        2,
        f"CT平扫(胸部) at the old cap {ct.cap} after the cap fell to {ct.new_cap} on "
        f"{date_of(chg)} (needs the catalogue row valid on the fee date)",
        feedetl_sn=v.lines[-1],
    )
    v = c.op(c.person(1, 40), H4, c.day(1, 20), "I10.x00", [("003102000010000", {"pric": cat.q4(ecg.cap + 0.01)})])
    c.add("R02", 0, 1, "near-miss: 常规心电图 at exactly cap + 0.01 (tolerance)", feedetl_sn=v.lines[-1])
    v = c.op(c.person(2, 58), H2, chg - 1, "J20.900", [("002103000030000", {"pric": cat.q4(ct.cap)})])
    c.add(
        "R02",
        0,
        2,
        "near-miss: old cap price on the last day the old catalogue row is valid",
        feedetl_sn=v.lines[-1],
    )


def _service_pairs(c: Cases) -> list[tuple[str, str]]:
    ok = []
    for a, b in c.kb.pairs:
        ia, ib = cat.BY_CODE[a], cat.BY_CODE[b]
        if all(
            i.list_type == "201" and i.typ in ("03", "04") and not i.restricted and i.max_daily is None
            for i in (ia, ib)
        ):
            ok.append((a, b))
    return ok


# ---------------------------------------------------------------------------------------------- R03
@rule("R03")
def _r03(c: Cases) -> None:
    pairs = _service_pairs(c)
    (m1, s1), (m2, s2), (m3, s3) = pairs[:3]
    H1, H3, H5, H6 = (c.role(x) for x in ("H1", "H3", "H5", "H6"))
    v = c.op(c.person(1, 35), H3, c.day(2, 6), "J06.900", [m1, s1])
    c.add("R03", 1, 1, "outpatient: main and sub item of a bundle pair the same day", mdtrt_id=v, hilist_code=s1)
    s = c.stay(c.person(2, 66), H5, c.day(2, 12), 5, "J18.900", extra=((1, m2, {}), (1, s2, {})))
    c.add("R03", 1, 2, "inpatient: main and sub item of a bundle pair on day 1", mdtrt_id=s, hilist_code=s2)
    s = c.stay(c.person(1, 70), H1, c.day(3, 2), 6, "J18.900", extra=((0, m3, {}), (2, s3, {})))
    c.add("R03", 0, 1, "near-miss: main on day 0, sub on day 2 of the same stay", mdtrt_id=s, hilist_code=s3)
    p = c.person(2, 44)
    c.op(p, H6, c.day(2, 16), "J06.900", [m1], hh=9)
    v = c.op(p, H6, c.day(2, 16), "J06.900", [s1], hh=15)
    c.add(
        "R03",
        0,
        2,
        "near-miss: main and sub the same day but in two different visits",
        mdtrt_id=v,
        hilist_code=s1,
    )


# ---------------------------------------------------------------------------------------------- R04
@rule("R04")
def _r04(c: Cases) -> None:
    H3, H4, H5, H7 = (c.role(x) for x in ("H3", "H4", "H5", "H7"))
    v = c.op(
        c.person(1, 52),
        H4,
        c.day(3, 5),
        "J18.900",
        [("003101000010000", {"cnt": 2 * cat.P4}), "XW00101", "XW00019", "HC00101"],
    )
    c.add("R04", 1, 1, "静脉输液(首组) 2 on one day (max 1)", mdtrt_id=v, hilist_code="003101000010000")
    bed = cat.BED_FEE[2]
    s = c.stay(c.person(2, 71), H5, c.day(3, 10), 4, "J18.900", daily=("XW00019",), extra=((4, bed, {}),))
    c.add(
        "R04",
        1,
        2,
        "5 bed days billed on a 4-day stay (bed fee on the discharge day)",
        mdtrt_id=s,
        hilist_code=bed,
    )
    v = c.op(
        c.person(2, 8),
        H3,
        c.day(3, 15),
        "J20.900",
        [("003101000040000", {"cnt": 3 * cat.P4}), "XW00126"],
        dept="A07",
    )
    c.add("R04", 0, 1, "near-miss: 雾化吸入 exactly 3 (max 3)", mdtrt_id=v, hilist_code="003101000040000")
    v = c.op(c.person(1, 47), H7, c.day(3, 20), "J18.900", ["003101000010000", "003101000010000", "XW00101"])
    c.refund(v, v.lines[2])
    c.add(
        "R04",
        0,
        2,
        "near-miss: 静脉输液 twice, one fully refunded (net 1)",
        mdtrt_id=v,
        hilist_code="003101000010000",
    )


# ---------------------------------------------------------------------------------------------- R05
@rule("R05")
def _r05(c: Cases) -> None:
    H1, H3, H4, H5, H6 = (c.role(x) for x in ("H1", "H3", "H4", "H5", "H6"))
    p = c.person(1, 68)
    a = c.stay(p, H4, c.day(1, 3), 8, "I63.900", daily=("XW00010",))
    b = c.stay(p, H4, c.day(1, 3) + 8 + 15, 7, "I63.900", daily=("XW00010",))
    c.add("R05", 1, 1, f"readmitted 15 days after discharge (stay {a.dx} → {b.dx})", mdtrt_id=b)
    p = c.person(2, 54)
    c.stay(p, H1, c.day(2, 2), 5, "K80.200")
    b = c.stay(p, H1, c.day(2, 2) + 5 + 3, 4, "K80.200")
    c.add("R05", 1, 2, "readmitted 3 days after discharge, same diagnosis K80", mdtrt_id=b)
    p = c.person(1, 72)
    c.stay(p, H3, c.day(1, 6), 6, "I63.900", daily=("XW00010",))
    b = c.stay(p, H3, c.day(1, 6) + 6 + 16, 6, "I63.900", daily=("XW00010",))
    c.add("R05", 0, 1, "near-miss: readmitted 16 days after discharge", mdtrt_id=b)
    p = c.person(2, 75)
    c.stay(p, H5, c.day(2, 4), 7, "J44.100", dscg_way=2)
    b = c.stay(p, H5, c.day(2, 4) + 7 + 5, 6, "J44.100")
    c.add("R05", 0, 2, "near-miss: previous stay ended in 转院 (dscg_way 2)", mdtrt_id=b)
    p = c.person(1, 64)
    c.stay(p, H6, c.day(2, 6), 6, "J18.900")
    b = c.stay(p, H6, c.day(2, 6) + 6 + 5, 6, "J44.100")
    c.add("R05", 0, 3, "near-miss: readmitted after 5 days with a different 3-character diagnosis", mdtrt_id=b)


# ---------------------------------------------------------------------------------------------- R06
@rule("R06")
def _r06(c: Cases) -> None:
    H1, H2, H3, H4, H5, H6 = (c.role(x) for x in ("H1", "H2", "H3", "H4", "H5", "H6"))
    C1, C2, P4, P6 = c.role("C1"), c.role("C2"), c.role("P4"), c.role("P6")
    s = c.stay(c.person(1, 63), H4, c.day(4, 3), 8, "J18.900", idle=(2, 3, 4))
    c.add("R06", 1, 1, "(a) stay days 2-4 without any treatment line", mdtrt_id=s)
    s = c.stay(c.person(2, 77), H1, c.day(4, 6), 9, "I63.900", daily=("XW00010",), idle=(1, 2, 3, 4))
    c.add("R06", 1, 2, "(a) stay days 1-4 idle at an HIS hospital", mdtrt_id=s)
    p = c.person(1, 59)
    s = c.stay(p, H3, c.day(4, 10), 8, "J18.900")
    c.op(p, C1, c.day(4, 14), "J06.900", ["XW00106"])
    c.add("R06", 1, 3, "(b) outpatient settlement at another institution during the stay", mdtrt_id=s)
    p = c.person(2, 66)
    s = c.stay(p, H5, c.day(4, 12), 6, "J44.100")
    c.sale(p, P4, c.day(4, 14), ["XW00106"])
    c.add("R06", 1, 4, "(b) pharmacy settlement during the stay", mdtrt_id=s)
    s = c.stay(c.person(1, 61), H5, c.day(5, 2), 9, "J18.900", idle=(2, 3, 6))
    c.add("R06", 0, 1, "near-miss: only 2 consecutive idle days (2-3), then day 6 alone", mdtrt_id=s)
    s = c.stay(c.person(2, 58), H6, c.day(5, 4), 6, "J18.900", idle=(4, 5))
    c.add(
        "R06",
        0,
        2,
        "near-miss: idle days 4-5 and the discharge day: discharge day is not a stay day",
        mdtrt_id=s,
    )
    p = c.person(1, 69)
    s = c.stay(p, H2, c.day(5, 3), 7, "J18.900")
    c.op(p, C2, c.day(5, 3) + 7, "J06.900", ["XW00106"], hh=15)
    c.add("R06", 0, 3, "near-miss: outpatient visit elsewhere on the discharge date", mdtrt_id=s)
    p = c.person(2, 71)
    s = c.stay(p, H6, c.day(5, 12), 5, "J44.100")
    c.sale(p, P6, c.day(5, 12), ["XW00106"], hh=8)
    c.add("R06", 0, 4, "near-miss: pharmacy purchase on the admission date", mdtrt_id=s)


# ---------------------------------------------------------------------------------------------- R07
@rule("R07")
def _r07(c: Cases) -> None:
    H6, H7, H8 = c.role("H6"), c.role("H7"), c.role("H8")
    low = c.kb.low_std
    pick = [p for p in ("J06", "I67.8", "E11.9") if p in low] + [p for p in low if p not in ("J06", "I67.8", "E11.9")]
    dx1, dx2, dx3 = (c.kb.low_std_dx(p) for p in pick[:3])
    exams = (
        (0, "002501000010000", {}),
        (0, "002504000010000", {}),
        (0, "002103000010000", {}),
        (0, "002501000030000", {}),
        (1, "002503000010000", {}),
        (1, "002503000030000", {}),
        (2, "002503000050000", {}),
        (2, "003102000010000", {}),
    )
    s = c.stay(c.person(1, 33), H6, c.day(2, 14), 3, dx1, bare=True, extra=exams)
    c.add("R07", 1, 1, f"{dx1}, 3 days, exams+labs 8 of 14 lines and ~72% of the amount", mdtrt_id=s)
    exams4 = exams + ((3, "002502000010000", {}), (3, "002503000070000", {}), (1, "002103000020000", {}))
    s = c.stay(c.person(2, 67), H7, c.day(3, 4), 4, dx2, bare=True, extra=exams4)
    c.add("R07", 1, 2, f"{dx2}, 4 days, exams+labs 11 of 19 lines", mdtrt_id=s)
    s = c.stay(c.person(1, 56), H8, c.day(3, 8), 2, dx3, bare=True, extra=exams[:6])
    c.add("R07", 1, 3, f"{dx3}, 2 days, exams+labs 6 of 10 lines", mdtrt_id=s)
    exams6 = exams4 + (
        (4, "002501000010000", {}),
        (5, "002501000010000", {}),
        (4, "002503000090000", {}),
        (5, "002503000090000", {}),
    )
    s = c.stay(c.person(2, 29), H7, c.day(3, 16), 6, dx1, bare=True, extra=exams6)
    c.add("R07", 0, 1, "near-miss: same pattern but 6 days (low_std_max_los 5)", mdtrt_id=s)
    s = c.stay(
        c.person(1, 61),
        H6,
        c.day(3, 20),
        3,
        dx3,
        daily=("XW00017",),
        extra=((0, "002503000090000", {}), (1, "002503000090000", {}), (2, "002503000090000", {})),
    )
    c.add(
        "R07",
        0,
        2,
        "near-miss: low-standard diagnosis, 3 days, but exams+labs < 50% by count and amount",
        mdtrt_id=s,
    )
    # the share is one of amounts, not of line counts
    H3, H4 = c.role("H3"), c.role("H4")
    adm = c.day(4, 20)
    cheap = tuple((d, "003101000020000", {"at": c.at(adm + d, 11, 5 * j)}) for d in range(3) for j in range(4))
    exams = ((0, "002103000030000", {}), (1, "002201000010000", {}))
    s = c.stay(c.person(1, 52), H3, adm, 3, dx2, bare=True, extra=cheap + exams)
    c.add("R07", 1, 4, f"{dx2}, 3 days: exams+labs 2 of 20 lines but ~65% of the amount", mdtrt_id=s)
    adm = c.day(4, 24)
    labs = ("002501000020000", "002501000040000", "002503000020000", "002503000040000")
    labs = tuple((d, code, {"at": c.at(adm + d, 11, 5 * j)}) for d in range(2) for j, code in enumerate(labs))
    s = c.stay(c.person(2, 48), H4, adm, 3, dx3, bare=True, extra=labs + ((2, "002503000080000", {}),))
    c.add("R07", 0, 3, f"near-miss: {dx3}, 3 days: exams+labs 9 of 15 lines but ~31% of the amount", mdtrt_id=s)


# ---------------------------------------------------------------------------------------------- R08
@rule("R08")
def _r08(c: Cases) -> None:
    H1, H2, H3, H4, H6, H7 = (c.role(x) for x in ("H1", "H2", "H3", "H4", "H6", "H7"))
    p = c.person(1, 57)
    c.stay(p, H1, c.day(5, 2), 6, "J18.900", adm_hh=9, dscg_hh=10)
    b = c.stay(p, H3, c.day(5, 6), 5, "J44.100", adm_hh=14)
    c.add("R08", 1, 1, "second stay at another hospital overlaps the first by 44 hours", mdtrt_id=b)
    p = c.person(2, 48)
    c.stay(p, H2, c.day(5, 10), 10, "J18.900", adm_hh=8)
    b = c.stay(p, H4, c.day(5, 12), 3, "J44.100", adm_hh=9)
    c.add("R08", 1, 2, "second stay entirely inside the first", mdtrt_id=b)
    p = c.person(1, 73)
    c.stay(p, H6, c.day(5, 3), 5, "J18.900", adm_hh=9, dscg_hh=10)
    b = c.stay(p, H7, c.day(5, 7), 5, "J44.100", adm_hh=11)
    c.add("R08", 0, 1, "near-miss: the two stays overlap by 23 hours", mdtrt_id=b)


# ---------------------------------------------------------------------------------------------- R09
@rule("R09")
def _r09(c: Cases) -> None:
    C1, C2, P1, H5 = c.role("C1"), c.role("C2"), c.role("P1"), c.role("H5")
    die = c.day(2, 10)
    v = c.op(c.person(1, 80, die=die), C1, die + 3, "J06.900", ["XW00106"])
    c.add("R09", 1, 1, f"outpatient visit 3 days after death ({date_of(die)})", mdtrt_id=v)
    die = c.day(3, 5)
    s = c.sale(c.person(2, 84, die=die), P1, die + 10, ["XW00011"])
    c.add("R09", 1, 2, "insurance-settled pharmacy purchase 10 days after death", sale_sn=s.lines[0])
    die = c.day(4, 8)
    v = c.op(c.person(1, 79, die=die), C2, die, "J06.900", ["XW00106"], hh=8)
    c.add("R09", 0, 1, "near-miss: visit on the day of death", mdtrt_id=v)
    die = c.day(4, 16)
    s = c.stay(
        c.person(2, 88, die=die),
        H5,
        c.day(4, 10),
        6,
        "J44.100",
        dscg_way=5,
        extra=((6, "003101000070000", {"cnt": 6 * cat.P4}),),
        dscg_hh=16,
    )
    c.add("R09", 0, 2, "near-miss: died in hospital; last lines on the day of death", mdtrt_id=s)


# ---------------------------------------------------------------------------------------------- R10–R13
@rule("R10")
def _r10(c: Cases) -> None:
    H3, H4 = c.role("H3"), c.role("H4")
    v = c.op(c.person(2, 52), H3, c.day(1, 18), "N40.x00", ["XW00114"], dept="A04")
    c.add("R10", 1, 1, "坦索罗辛 (male only) for a woman", feedetl_sn=v.lines[-1])
    c.floor(v, v.lines[-1])
    v = c.op(c.person(1, 41), H4, c.day(2, 18), "N76.000", ["002505000010000"], dept="A05")
    c.add("R10", 1, 2, "宫颈液基细胞学检查 (female only) for a man", feedetl_sn=v.lines[-1])
    c.floor(v, v.lines[-1])
    v = c.op(c.person(1, 63), H3, c.day(2, 24), "N40.x00", ["002504000020000"], dept="A04")
    c.add("R10", 0, 1, "near-miss: PSA (male only) for a man", feedetl_sn=v.lines[-1])


def _years_before(day: int, years: int, shift: int = 0) -> int:
    d = date_of(day)
    return day_of(dt.date(d.year - years, d.month, d.day)) + shift


@rule("R11")
def _r11(c: Cases) -> None:
    C2, H2 = c.role("C2"), c.role("H2")
    d = c.day(1, 10)
    v = c.op(c.person(1, brdy=_years_before(d, 15, -1)), C2, d, "J06.900", ["XW00112"], dept="A07")
    c.add("R11", 1, 1, "小儿氨酚黄那敏 (age ≤ 14) the day after the 15th birthday", feedetl_sn=v.lines[-1])
    d = c.day(1, 16)
    v = c.op(c.person(2, brdy=_years_before(d, 50, 1)), H2, d, "M81.000", ["XW00118"])
    c.add("R11", 1, 2, "阿仑膦酸钠 (age ≥ 50) the day before the 50th birthday", feedetl_sn=v.lines[-1])
    d = c.day(1, 12)
    v = c.op(c.person(2, brdy=_years_before(d, 15, 1)), C2, d, "J06.900", ["XW00112"], dept="A07")
    c.add("R11", 0, 1, "near-miss: still 14, the 15th birthday is tomorrow", feedetl_sn=v.lines[-1])
    d = c.day(1, 20)
    v = c.op(c.person(2, brdy=_years_before(d, 50)), H2, d, "M81.000", ["XW00118"])
    c.add(
        "R11",
        0,
        2,
        "near-miss: on the 50th birthday (the birthday counts as the new age)",
        feedetl_sn=v.lines[-1],
    )


@rule("R12")
def _r12(c: Cases) -> None:
    H2, H3 = c.role("H2"), c.role("H3")
    v = c.op(c.person(1, 49), H2, c.day(2, 22), "J06.900", ["XW00014"])
    c.add("R12", 1, 1, "达格列净 (E11 only) on a visit diagnosed J06 only", feedetl_sn=v.lines[-1])
    c.floor(v, v.lines[-1])
    s = c.stay(c.person(2, 70), H3, c.day(3, 18), 5, "J18.900", extra=((1, "XW00001", {}),))
    c.add("R12", 1, 2, "人血白蛋白 (K74/R57/E88) in a pneumonia stay", feedetl_sn=s.lines[-1])
    c.floor(s, s.lines[-1])
    v = c.op(c.person(1, 53), H2, c.day(2, 26), "J06.900", ["XW00014"], dx2="E11.900")
    c.add(
        "R12",
        0,
        1,
        "near-miss: main diagnosis J06 but a secondary E11.9 on setl_diag",
        feedetl_sn=v.lines[-1],
    )


@rule("R13")
def _r13(c: Cases) -> None:
    H3, H4, H6, C3 = c.role("H3"), c.role("H4"), c.role("H6"), c.role("C3")
    v = c.op(c.person(1, 44), H6, c.day(1, 24), "R51.x00", ["002103000040000"])
    c.add("R13", 1, 1, "磁共振 (level ≥ 2) at a level-1 hospital", feedetl_sn=v.lines[-1])
    c.floor(v, v.lines[-1])
    v = c.op(c.person(2, 67), H4, c.day(2, 2), "I69.300", ["ZC00009"])
    c.add("R13", 1, 2, "香丹注射液 (inpatient only) on an outpatient visit", feedetl_sn=v.lines[-1])
    v = c.op(c.person(1, 58), C3, c.day(2, 9), "I49.900", ["003102000020000"])
    c.add("R13", 1, 3, "动态心电图 (level ≥ 2) at a clinic (no level)", feedetl_sn=v.lines[-1])
    c.floor(v, v.lines[-1])
    v = c.op(c.person(2, 46), H3, c.day(2, 11), "R51.x00", ["002103000040000"])
    c.add("R13", 0, 1, "near-miss: 磁共振 at a level-2 hospital (equal to the minimum)", feedetl_sn=v.lines[-1])
    s = c.stay(c.person(1, 75), H4, c.day(2, 14), 5, "I63.900", daily=("ZC00009",))
    line = next(ln for ln in s.lines if ln.item == cat.BY_CODE["ZC00009"].idx)
    c.add("R13", 0, 2, "near-miss: 香丹注射液 in an inpatient stay", feedetl_sn=line)


# ---------------------------------------------------------------------------------------------- R14
@rule("R14")
def _r14(c: Cases) -> None:
    P5, C4 = c.role("P5"), c.role("C4")
    ((b5, e5),) = P5.blocked
    ((b4, _),) = C4.blocked
    s = c.sale(c.person(1, 50), P5, b5 + 9, ["XW00011"])
    c.add(
        "R14",
        1,
        1,
        f"pharmacy settlement while its agreement is suspended ({date_of(b5)}–{date_of(e5)})",
        setl_id=s,
    )
    v = c.op(c.person(2, 39), C4, b4 + 5, "J06.900", ["002501000010000"])
    c.add("R14", 1, 2, f"clinic settlement after its agreement was terminated on {date_of(b4)}", setl_id=v)
    s = c.sale(c.person(1, 45), P5, b5 - 1, ["XW00011"], hh=20)
    c.add("R14", 0, 1, "near-miss: the day before the suspension starts", setl_id=s)
    v = c.op(c.person(2, 52), C4, b4 - 1, "J06.900", ["002501000010000"], hh=16)
    c.add("R14", 0, 2, "near-miss: the last day before the termination", setl_id=v)
    s = c.sale(c.person(1, 61), P5, e5 + 1, ["XW00011"], hh=8, mm=5)
    c.add("R14", 0, 3, "near-miss: the first day after the suspension ends", setl_id=s)


# ---------------------------------------------------------------------------------------------- R15
@rule("R15")
def _r15(c: Cases) -> None:
    H1, H3, P1, P2 = c.role("H1"), c.role("H3"), c.role("P1"), c.role("P2")
    w = c.w
    v = c.op(c.person(1, 42), H1, c.day(1, 22), "I10.x00", [("003102000010000", {"dr": w.doc_suspended})])
    c.add(
        "R15",
        1,
        1,
        "billed by a practitioner whose qualification is suspended (cert_status 2)",
        feedetl_sn=v.lines[-1],
    )
    vt = w.pracs[w.doc_expiring].valid_to
    v = c.op(c.person(2, 36), H1, vt + 3, "I10.x00", [("003102000010000", {"dr": w.doc_expiring})])
    c.add(
        "R15",
        1,
        2,
        f"billed 3 days after the practitioner's validity ended ({date_of(vt)})",
        feedetl_sn=v.lines[-1],
    )
    other = c.doc(H3, 3)
    v = c.op(c.person(1, 51), H1, c.day(2, 5), "I10.x00", [("003102000010000", {"dr": other})])
    c.add("R15", 1, 3, "billed at H1 by a doctor registered at another institution", feedetl_sn=v.lines[-1])
    s = c.sale(c.person(2, 47), P2, c.day(2, 7), [("XW00011", {"dr": c.ghost_doc})])
    c.add(
        "R15",
        1,
        4,
        "pharmacy prescription by a doctor code not in the practitioner register",
        sale_sn=s.lines[0],
    )
    v = c.op(c.person(1, 60), H1, c.day(2, 20), "I10.x00", [("003102000010000", {"dr": w.doc_revoked})])
    c.add(
        "R15",
        1,
        5,
        "billed by a practitioner whose qualification is revoked (cert_status 0)",
        feedetl_sn=v.lines[-1],
    )
    v = c.op(c.person(2, 44), H1, vt, "I10.x00", [("003102000010000", {"dr": w.doc_expiring})])
    c.add(
        "R15",
        0,
        1,
        "near-miss: billed on the last day of the practitioner's validity",
        feedetl_sn=v.lines[-1],
    )
    s = c.sale(c.person(1, 57), P1, c.day(2, 9), [("XW00011", {"dr": c.doc(H3, 2)})])
    c.add(
        "R15",
        0,
        2,
        "near-miss: pharmacy prescription from a doctor of another institution (allowed)",
        sale_sn=s.lines[0],
    )


# ---------------------------------------------------------------------------------------------- R16
@rule("R16")
def _r16(c: Cases) -> None:
    H5, H6, P4, P6 = c.role("H5"), c.role("H6"), c.role("P4"), c.role("P6")
    k = 2
    for j in range(3):
        c.op(c.person(1 + j % 2, 55 + j), H5, c.day(k, 4 + 3 * j), "I10.x00", ["XW00191"])
    c.plan(H5, "XW00191", k, purchase=cat.q4(60))
    c.add(
        "R16",
        1,
        1,
        "sold 90 tablets, opening stock 0 + purchased 60",
        fixmedins_code=H5.code,
        hilist_code="XW00191",
        period=c.period(k),
    )
    k = 3
    for j, packs in enumerate((2, 2, 1)):
        c.sale(c.person(2 - j % 2, 48 + j), P4, c.day(k, 5 + 4 * j), [("XW00192", {"packs": packs})])
    c.plan(P4, "XW00192", k, purchase=cat.q4(120))
    c.add(
        "R16",
        1,
        2,
        "pharmacy sold 150 tablets, purchased 120",
        fixmedins_code=P4.code,
        hilist_code="XW00192",
        period=c.period(k),
    )
    k = 2
    for j in range(2):
        c.op(c.person(2, 60 + j), H6, c.day(k, 7 + 5 * j), "I10.x00", ["XW00193"])
    c.plan(H6, "XW00193", k, purchase=cat.q4(56))
    c.add(
        "R16",
        0,
        1,
        "near-miss: sold exactly what was purchased (56)",
        fixmedins_code=H6.code,
        hilist_code="XW00193",
        period=c.period(k),
    )
    k = 3
    s = c.sale(-1, P6, c.day(k, 6), [("XW00194", {"packs": 4})], settled=False)
    c.sale_return(s, s.lines[0], c.at(c.day(k, 7), 10))
    c.plan(P6, "XW00194", k, purchase=cat.q4(180))
    c.add(
        "R16",
        0,
        2,
        "near-miss: 4 packs sold, 1 returned, 3 purchased (net equal)",
        fixmedins_code=P6.code,
        hilist_code="XW00194",
        period=c.period(k),
    )


# ---------------------------------------------------------------------------------------------- R17
@rule("R17")
def _r17(c: Cases) -> None:
    H2, H3, P2 = c.role("H2"), c.role("H3"), c.role("P2")
    k = 2
    for j in range(2):
        c.op(c.person(1, 62 + j), H3, c.day(k, 3 + 7 * j), "I10.x00", ["XW00195"])
    c.plan(H3, "XW00195", k, transfer=cat.q4(60))
    c.add(
        "R17",
        1,
        1,
        "billed without any purchase (stock came in by 调入)",
        fixmedins_code=H3.code,
        hilist_code="XW00195",
        period=c.period(k),
    )
    k = 3
    c.sale(c.person(2, 58), P2, c.day(k, 12), [("XW00196", {"packs": 2})])
    c.plan(P2, "XW00196", k, transfer=cat.q4(56))
    c.add(
        "R17",
        1,
        2,
        "pharmacy sold an item it never purchased",
        fixmedins_code=P2.code,
        hilist_code="XW00196",
        period=c.period(k),
    )
    last = min(c.win.months - 1, 11)
    c.plan(H2, "XW00197", 0, purchase=cat.q4(56))
    for j in range(2):
        c.op(c.person(1 + j, 66 + j), H2, c.day(last, 10 + 5 * j), "I10.x00", ["XW00197"])
    c.add(
        "R17",
        0,
        1,
        "near-miss: only purchase on the 1st of the first month, sold in a later month (< 12 months)",
        fixmedins_code=H2.code,
        hilist_code="XW00197",
        period=c.period(last),
    )


# ---------------------------------------------------------------------------------------------- R18
@rule("R18")
def _r18(c: Cases) -> None:
    H2, H3, H4, H5 = (c.role(x) for x in ("H2", "H3", "H4", "H5"))
    P1, P2, P3, P4 = (c.role(x) for x in ("P1", "P2", "P3", "P4"))
    c.sale(c.person(1, 66), P1, c.day(1, 12), [("XW00011", {"trac": "T1"})])
    s = c.sale(c.person(2, 64), P3, c.day(1, 20), [("XW00011", {"trac": "T1"})])
    c.add("R18", 1, 1, "the same 追溯码 sold again at another pharmacy", sale_sn=s.lines[0])
    c.op(c.person(1, 59), H2, c.day(2, 3), "I25.100", [("XW00002", {"trac": "T2"})])
    s = c.sale(c.person(2, 61), P2, c.day(2, 16), [("XW00002", {"trac": "T2"})])
    c.add("R18", 1, 2, "a 追溯码 billed by a hospital, later sold again by a pharmacy", sale_sn=s.lines[0])
    c.op(c.person(1, 67), H4, c.day(2, 20), "I25.100", [("XW00021", {"trac": "T3"})])
    v = c.op(c.person(2, 70), H5, c.day(3, 2), "I25.100", [("XW00021", {"trac": "T3"})])
    c.add("R18", 1, 3, "the same 追溯码 on fee lines of two hospitals", feedetl_sn=v.lines[-1])
    s = c.sale(-1, P3, c.day(3, 3), [("XW00023", {"trac": "T4"})], settled=False, hh=9)
    c.sale_return(s, s.lines[0], c.at(c.day(3, 3), 15))
    s2 = c.sale(-1, P3, c.day(3, 10), [("XW00023", {"trac": "T4"})], settled=False)
    c.add("R18", 0, 1, "near-miss: sold, returned, then sold again (one occurrence)", sale_sn=s2.lines[0])
    v = c.op(c.person(1, 62), H3, c.day(3, 5), "I25.100", [("XW00022", {"trac": "T5"})])
    v.reverse_at = v.end + 3600
    s = c.sale(c.person(2, 55), P4, c.day(3, 20), [("XW00022", {"trac": "T5"})])
    c.add(
        "R18",
        0,
        2,
        "near-miss: the hospital settlement was reversed before the pharmacy sale",
        sale_sn=s.lines[0],
    )


# ---------------------------------------------------------------------------------------------- R19
@rule("R19")
def _r19(c: Cases) -> None:
    P1, P2, P4, P6 = (c.role(x) for x in ("P1", "P2", "P4", "P6"))
    p = c.person(1, 63)
    c.sale(p, P1, c.day(4, 5), [("XW00002", {"packs": 4})])
    c.add(
        "R19",
        1,
        1,
        "4 × 28 tablets of 阿托伐他汀 (1/day) in one purchase: 112 days",
        psn_no=p,
        hilist_code="XW00002",
    )
    p = c.person(2, 68)
    c.sale(p, P2, c.day(4, 3), [("XW00011", {"packs": 2})])
    c.sale(p, P6, c.day(4, 20), [("XW00011", {"packs": 2})])
    c.add(
        "R19",
        1,
        2,
        "2 × 56 days of 氨氯地平 at two pharmacies 17 days apart",
        psn_no=p,
        hilist_code="XW00011",
    )
    p = c.person(1, 71)
    c.sale(p, P4, c.day(4, 8), [("XW00023", {"packs": 3})])
    c.add("R19", 0, 1, "near-miss: exactly 90 days of 阿司匹林", psn_no=p, hilist_code="XW00023")
    p = c.person(2, 59)
    d = c.day(4, 1)
    c.sale(p, P6, d, [("XW00021", {"packs": 2})])
    c.sale(p, P6, d + 30, [("XW00021", {"packs": 2})])
    c.add(
        "R19",
        0,
        2,
        "near-miss: 56 + 56 days, 30 days apart: never in one 30-day window",
        psn_no=p,
        hilist_code="XW00021",
    )


# ---------------------------------------------------------------------------------------------- R20
@rule("R20")
def _r20(c: Cases) -> None:
    P1, P2, P4, P6 = (c.role(x) for x in ("P1", "P2", "P4", "P6"))
    s = c.sale(c.person(1, 40), P1, c.day(5, 5), ["XW00106"], hh=22, mm=5)
    c.add("R20", 1, 1, "settled at 22:05, the pharmacy closes at 22:00", setl_id=s)
    s = c.sale(c.person(2, 43), P2, c.day(5, 7), ["XW00106"], hh=8, mm=10)
    c.add("R20", 1, 2, "settled at 08:10, the pharmacy opens at 08:30", setl_id=s)
    p = c.person(1, 37)
    for j, hh in enumerate((9, 11, 15)):
        s = c.sale(p, P4, c.day(5, 9), [("XW00106", {})], hh=hh)
        c.add("R20", 1, 3 + j, "3rd settlement group: one person, one pharmacy, one day", setl_id=s)
    s = c.sale(c.person(2, 51), P1, c.day(5, 12), ["XW00106"], hh=22, mm=0, ss=10)
    c.add("R20", 0, 1, "near-miss: settled at 22:00:40, the closing minute 22:00 counts", setl_id=s)
    p = c.person(1, 46)
    for j, (ph, hh) in enumerate(((P2, 10), (P2, 16), (P6, 12))):
        s = c.sale(p, ph, c.day(5, 14), ["XW00106"], hh=hh)
        c.add("R20", 0, 2 + j, "near-miss: 3 settlements in a day but only 2 at one pharmacy", setl_id=s)
    s = c.sale(c.person(2, 33), P2, c.day(5, 16), ["XW00106"], hh=8, mm=30, ss=0)
    c.add("R20", 0, 5, "near-miss: settled at 08:30:30, the opening minute 08:30 counts", setl_id=s)


# ---------------------------------------------------------------------------------------------- R21
@rule("R21")
def _r21(c: Cases) -> None:
    P1, P2, P3, H3 = (c.role(x) for x in ("P1", "P2", "P3", "H3"))
    pill = "ZC00004"
    regulars = [c.person(1, 70), c.person(2, 72)]
    for k in range(3):
        for j, p in enumerate(regulars):
            c.sale(p, P1, c.day(k, 5 + j), [(pill, {"packs": 5})])
    for j in range(5):
        c.sale(c.person(1 + j % 2, 60 + j), P1, c.day(3, 3 + 4 * j), [(pill, {"packs": 5})])
    c.add(
        "R21",
        1,
        1,
        "安宫牛黄丸 at P1: 5,000/month for 3 months, then 12,500",
        fixmedins_code=P1.code,
        hilist_code=pill,
        period=c.period(3),
    )
    for k in range(3):
        c.op(c.person(2, 55 + k), H3, c.day(k, 8), "D64.900", [("ZC00010", {})], dept="A50")
    for j in range(6):
        c.op(c.person(1 + j % 2, 50 + j), H3, c.day(3, 4 + 3 * j), "D64.900", [("ZC00010", {})], dept="A50")
    c.add(
        "R21",
        1,
        2,
        "阿胶 at H3: 2,000/month for 3 months, then 12,000",
        fixmedins_code=H3.code,
        hilist_code="ZC00010",
        period=c.period(3),
    )
    regulars = [c.person(1, 68), c.person(2, 69)]
    for k in range(3):
        for j, p in enumerate(regulars):
            c.sale(p, P2, c.day(k, 9 + j), [(pill, {"packs": 5})])
    for j in range(4):
        c.sale(c.person(2 - j % 2, 61 + j), P2, c.day(3, 5 + 5 * j), [(pill, {"packs": 5})])
    c.add(
        "R21",
        0,
        1,
        "near-miss: 5,000/month then exactly 10,000 (= growth_min_amount and = 2.0 × average)",
        fixmedins_code=P2.code,
        hilist_code=pill,
        period=c.period(3),
    )
    for j in range(6):
        c.sale(c.person(1 + j % 2, 58 + j), P3, c.day(1, 4 + 3 * j), [(pill, {"packs": 5})])
    c.add(
        "R21",
        0,
        2,
        "near-miss: 15,000 in the 2nd month: fewer than three months of history",
        fixmedins_code=P3.code,
        hilist_code=pill,
        period=c.period(1),
    )


# ---------------------------------------------------------------------------------------------- R22
@rule("R22")
def _r22(c: Cases) -> None:
    H1, H2, H3, H4 = (c.role(x) for x in ("H1", "H2", "H3", "H4"))
    cef = cat.BY_CODE["XW00019"]
    s = c.stay(c.person(1, 65), H1, c.day(4, 15), 5, "J18.900", daily=("XW00019",))
    day2 = c.day(4, 17)
    line = next(ln for ln in s.lines if ln.item == cef.idx and ln.t // DAY == day2)
    line.his = False
    s.his_extra.append((line.t, cef.idx, cat.P4))
    c.add(
        "R22",
        1,
        1,
        "uploaded 2 头孢呋辛, HIS charged 1 that day",
        mdtrt_id=s,
        hilist_code=cef.code,
        occurred_on=date_of(day2).isoformat(),
    )
    mon = "003102000030000"
    s = c.stay(c.person(2, 74), H2, c.day(4, 18), 4, "J44.100", extra=((1, mon, {"his": False}),))
    c.add(
        "R22",
        1,
        2,
        "uploaded 心电监护 that HIS never charged",
        mdtrt_id=s,
        hilist_code=mon,
        occurred_on=date_of(c.day(4, 19)).isoformat(),
    )
    s = c.stay(c.person(1, 62), H3, c.day(4, 20), 5, "J18.900", daily=("XW00019",))
    day2 = c.day(4, 22)
    line = next(ln for ln in s.lines if ln.item == cef.idx and ln.t // DAY == day2)
    line.his = False
    s.his_extra += [(line.t, cef.idx, cat.P4), (line.t + 7, cef.idx, cat.P4)]
    c.add(
        "R22",
        0,
        1,
        "near-miss: HIS split the 2 units into two charges of 1",
        mdtrt_id=s,
        hilist_code=cef.code,
        occurred_on=date_of(day2).isoformat(),
    )
    cbc = "002501000010000"
    s = c.stay(c.person(2, 57), H1, c.day(5, 5), 4, "J18.900", extra=((1, cbc, {"his": False}),))
    c.refund(s, s.lines[-1], after=1800).his = False
    c.add(
        "R22",
        0,
        2,
        "near-miss: an uploaded 血常规 refunded the same day, never charged in HIS",
        mdtrt_id=s,
        hilist_code=cbc,
        occurred_on=date_of(c.day(5, 6)).isoformat(),
    )
    s = c.stay(
        c.person(1, 66),
        H4,
        c.day(4, 9),
        4,
        "J18.900",
        daily=("XW00019",),
        extra=((1, "XW00019", {"cnt": cat.P4}),),
    )
    c.add(
        "R22",
        0,
        3,
        "near-miss: a mismatch-looking day at a hospital that delivers no HIS data",
        mdtrt_id=s,
        hilist_code=cef.code,
        occurred_on=date_of(c.day(4, 10)).isoformat(),
    )


# ---------------------------------------------------------------------------------------------- later quarters
def _quarter(c: Cases, k: int) -> tuple[int, int]:
    d = date_of(c.win.month_first(k))
    return d.year, (d.month - 1) // 3 + 1


def _later_quarters(c: Cases) -> None:
    """Hits in the first month of every quarter that starts after the first six months of the window
    (the rule cases above sit in months 0–5): four rules at four institutions, alternating."""
    H2, H3, H4, H5, H6, H7 = (c.role(x) for x in ("H2", "H3", "H4", "H5", "H6", "H7"))
    P1, P6 = c.role("P1"), c.role("P6")
    firsts, seen = [], {_quarter(c, k) for k in range(min(6, c.win.months))}
    for k in range(6, c.win.months):
        if _quarter(c, k) not in seen:
            seen.add(_quarter(c, k))
            firsts.append(k)
    for j, k in enumerate(firsts):
        n = 10 + j  # case numbers 10, 11, … keep clear of the rule cases above
        q = "{}Q{}".format(*_quarter(c, k))
        h_dup, h_sex, h_lv = (H4, H3, H6) if j % 2 == 0 else (H5, H2, H7)
        d = c.day(k, 6)
        t = c.at(d, 9, 20)
        v = c.op(
            c.person(2, 36 + j), h_dup, d, "J06.900", [("002501000010000", {"at": t}), ("002501000010000", {"at": t})]
        )
        c.add("R01", 1, n, f"{q}: 血常规 charged twice at the same second", mdtrt_id=v, hilist_code="002501000010000")
        v = c.op(c.person(2, 58 + j), h_sex, c.day(k, 9), "N40.x00", ["XW00114"], dept="A04")
        c.add("R10", 1, n, f"{q}: 坦索罗辛 (male only) for a woman", feedetl_sn=v.lines[-1])
        c.floor(v, v.lines[-1])
        v = c.op(c.person(1, 47 + j), h_lv, c.day(k, 13), "R51.x00", ["002103000040000"])
        c.add("R13", 1, n, f"{q}: 磁共振 (level ≥ 2) at a level-1 hospital", feedetl_sn=v.lines[-1])
        c.floor(v, v.lines[-1])
        if j % 2 == 0:
            s = c.sale(c.person(1, 41 + j), P1, c.day(k, 16), ["XW00106"], hh=22, mm=10)
            note = "settled at 22:10, the pharmacy closes at 22:00"
        else:
            s = c.sale(c.person(1, 41 + j), P6, c.day(k, 16), ["XW00106"], hh=7, mm=5)
            note = "settled at 07:05, the pharmacy opens at 07:30"
        c.add("R20", 1, n, f"{q}: {note}", setl_id=s)


# ---------------------------------------------------------------------------------------------- 要情 case
MAJOR_ITEM = "HC00029"  # 双腔起搏器(含电极), 32,000 yuan, on the key drug / consumable watchlist
MAJOR_STAYS = 18


def _major_case(c: Cases) -> None:
    """One clue at or above the 50万 major-case amount: H2 implants 18 双腔起搏器 in one month (8th of
    the window, earlier in short windows) against a background of at most a few a month — an R21 hit of
    about 18 × 32,000 yuan less the trailing average. No other clue comes near 500,000 yuan."""
    H2 = c.role("H2")
    k = min(7, c.win.months - 2)  # the month after it still lies in the window: stages can be recorded
    for j in range(MAJOR_STAYS):
        c.stay(
            c.person(1 + j % 2, 60 + j),
            H2,
            c.day(k, 2 + j),
            5,
            "I49.500",
            daily=("XW00019",),
            extra=((1, "003311000040000", {}), (1, MAJOR_ITEM, {}), (1, "HC00028", {})),
        )
    c.add(
        "R21",
        1,
        3,
        f"要情: {MAJOR_STAYS} 双腔起搏器 at H2 in one month (≥ 500,000 yuan; the background bills a few a month)",
        fixmedins_code=H2.code,
        hilist_code=MAJOR_ITEM,
        period=c.period(k),
    )
    c.major = (H2.idx, c.it(MAJOR_ITEM), k)
