"""Injected cases of the behaviour rules R30 (fee dated outside the stay), R31 (frequent visits), R32
(outpatient visit at the hospital during one's own stay) and R34 (group visits).

Imported by ``synthetic.generator``: the functions register with ``cases.rule`` and run in code order
after R01–R22, each with its own persons. Placement keeps every other rule quiet and the background out:

* R34's group days are calendar days 9, 10, 19, 20 and 29 of a month, at clinics. Background events fall
  on a person's slot days (day of month 1–8, 11–18, 21–28) and clinics have no stays, so no background
  settlement shares a day with a planted group and no background person can join it. The cases sit in
  the first whole calendar quarter of the window.
* R31's frequent persons spread their visits over institutions, at most three days at each in the
  quarter, so they never become R34 regulars; the admissions rotate over seven hospitals with gaps of
  nine days (no R05), all in one calendar year.
* None uses P5, C4 (agreement suspended or ended: R14) or H8.

Truth rows: R30 by ``feedetl_sn``; R31 by ``psn_no`` (every hit of the person belongs to the case) or,
for admissions, the hit stay's ``mdtrt_id``; R32 by the outpatient visit's ``mdtrt_id``; R34 by
``fixmedins_code`` + ``psn_no`` of each member (and ``setl_id`` for a member's settlement that must
not hit).
"""

from __future__ import annotations

from .cases import TRUTH_KEYS, Cases, rule
from .util import date_of

TRUTH_KEYS.update(
    {
        "R30": "feedetl_sn",
        "R31": "psn_no | mdtrt_id (admissions)",
        "R32": "mdtrt_id (the outpatient visit)",
        "R34": "fixmedins_code+psn_no (each member) | setl_id",
    }
)

LAB = "002501000010000"  # 血常规: a service line, no stock, no restriction


def _quarter_start_month(c: Cases) -> int:
    """The first window month that begins a calendar quarter."""
    return next(k for k in range(3) if (c.win.start_m - 1 + k) % 3 == 0)


def _january_or_first(c: Cases) -> int:
    """A window month from which three months lie in one calendar year."""
    return 0 if c.win.start_m <= 10 else 13 - c.win.start_m


# ---------------------------------------------------------------------------------------------- R30
@rule("R30")
def _r30(c: Cases) -> None:
    H2, H4, H5, H6 = (c.role(x) for x in ("H2", "H4", "H5", "H6"))
    k = _quarter_start_month(c) + 3
    s = c.stay(c.person(1, 58), H4, c.day(k, 4), 5, "J18.900", extra=((6, LAB, {}),))
    c.add("R30", 1, 1, "血常规 billed the day after discharge", feedetl_sn=s.lines[-1])
    s = c.stay(c.person(2, 64), H2, c.day(k, 8), 4, "J44.100", extra=((-2, LAB, {}),))
    c.add(
        "R30", 1, 2, "血常规 billed two days before admission (HIS hospital, mirrored in HIS)", feedetl_sn=s.lines[-1]
    )
    adm = c.day(k, 12)
    s = c.stay(c.person(1, 49), H5, adm, 4, "J18.900", extra=((4, LAB, {"at": c.at(adm + 4, 16)}),))
    c.add("R30", 0, 1, "near-miss: 血常规 on the discharge day, after the discharge time", feedetl_sn=s.lines[-1])
    s = c.stay(c.person(2, 71), H6, c.day(k, 15), 3, "J18.900", extra=((4, LAB, {}),))
    c.refund(s, s.lines[-1])
    c.add("R30", 0, 2, "near-miss: 血常规 the day after discharge, fully refunded", feedetl_sn=s.lines[-2])
    adm = c.day(k, 20)
    s = c.stay(c.person(1, 44), H5, adm, 3, "J18.900", extra=((0, LAB, {"at": c.at(adm, 8)}),))
    c.add("R30", 0, 3, "near-miss: 血常规 on the admission day, before the admission time", feedetl_sn=s.lines[-1])


# ---------------------------------------------------------------------------------------------- R31
# (institution role, how many days) over which a person's visit days are spread: ≤ 3 days at each
_OP_PLACES = ("C1", "C2", "C3", "H4", "H5", "H6", "H7")
_PH_PLACES = ("P1", "P2", "P3", "P4", "P6")


def _spread(c: Cases, places: tuple[str, ...], n_days: int, k: int) -> list[tuple[int, object]]:
    """n_days distinct days of window month k (1st, 2nd, …) with an institution each, ≤ 3 per institution."""
    assert n_days <= 3 * len(places) and n_days <= 28
    return [(c.day(k, 1 + j), c.role(places[j % len(places)])) for j in range(n_days)]


@rule("R31")
def _r31(c: Cases) -> None:
    k = _quarter_start_month(c) + 3
    # (a) outpatient visit days: 16 (hit: the visit of the 16th day) and exactly 15
    p = c.person(2, 66)
    for j, (day, inst) in enumerate(_spread(c, _OP_PLACES, 16, k)):
        c.op(p, inst, day, "I10.x00", [], hh=10, med_type=14 if j % 4 == 0 else 11)
    c.add("R31", 1, 1, "(a) outpatient visits (11 and 14) on 16 days of one month at 7 institutions", psn_no=p)
    p = c.person(1, 61)
    for day, inst in _spread(c, _OP_PLACES, 15, k):
        c.op(p, inst, day, "I10.x00", [], hh=10)
    c.add("R31", 0, 1, "near-miss: outpatient visits on exactly 15 days of one month", psn_no=p)
    # 15 days and a 16th whose only visit was reversed
    p = c.person(2, 59)
    for day, inst in _spread(c, _OP_PLACES, 15, k):
        c.op(p, inst, day, "I10.x00", [], hh=11)
    v = c.op(p, c.role("C1"), c.day(k, 20), "I10.x00", [], hh=11)
    v.reverse_at = v.end + 3600
    c.add("R31", 0, 2, "near-miss: 15 outpatient days and a 16th whose settlement was reversed", psn_no=p)
    # (b) pharmacy purchase days: 13 (hit) and exactly 12 with two purchases on one of them
    p = c.person(1, 70)
    for day, inst in _spread(c, _PH_PLACES, 13, k):
        c.sale(p, inst, day, ["XW00106"], hh=10)
    c.add("R31", 1, 2, "(b) pharmacy purchases on 13 days of one month at 5 pharmacies", psn_no=p)
    p = c.person(2, 73)
    for day, inst in _spread(c, _PH_PLACES, 12, k):
        c.sale(p, inst, day, ["XW00106"], hh=10)
    c.sale(p, c.role("P1"), c.day(k, 1), ["XW00106"], hh=16)
    c.add("R31", 0, 3, "near-miss: 13 pharmacy purchases on exactly 12 days of one month", psn_no=p)
    # (c) admissions in a calendar year: 7 (hit: the 7th) and exactly 6, at seven hospitals
    k0 = _january_or_first(c)
    hospitals = [c.role(x) for x in ("H1", "H2", "H3", "H4", "H5", "H6", "H7")]
    days = [c.day(k0 + m, d) for m in range(3) for d in (2, 11, 20)]
    p = c.person(1, 77)
    stays = [c.stay(p, hospitals[j], days[j], 2, "J18.900") for j in range(7)]
    c.add(
        "R31",
        1,
        3,
        f"(c) 7th admission of {date_of(days[0]).year} ({date_of(days[6])}) at the 7th hospital",
        mdtrt_id=stays[6],
    )
    c.add("R31", 0, 4, "near-miss: the 6th admission of the same person", mdtrt_id=stays[5])
    p = c.person(2, 75)
    for j in range(6):
        c.stay(p, hospitals[j], days[j] + 1, 2, "J44.100")
    c.add("R31", 0, 5, "near-miss: exactly 6 admissions in a calendar year", psn_no=p)


# ---------------------------------------------------------------------------------------------- R32
@rule("R32")
def _r32(c: Cases) -> None:
    H1, H3, H4, H6 = (c.role(x) for x in ("H1", "H3", "H4", "H6"))
    k = _quarter_start_month(c) + 4
    p = c.person(1, 62)
    adm = c.day(k, 3)
    c.stay(p, H4, adm, 7, "J18.900")
    v = c.op(p, H4, adm + 3, "J06.900", [], hh=14)
    c.add("R32", 1, 1, "outpatient visit at the hospital on stay day 3", mdtrt_id=v)
    p = c.person(2, 68)
    adm = c.day(k, 6)
    c.stay(p, H1, adm, 5, "J44.100")
    v = c.op(p, H1, adm + 1, "I10.x00", [], hh=15, med_type=14)
    c.add("R32", 1, 2, "chronic outpatient (14) visit at the HIS hospital on stay day 1", mdtrt_id=v)
    p = c.person(1, 57)
    adm = c.day(k, 10)
    c.stay(p, H3, adm, 4, "J18.900", adm_hh=14)
    v = c.op(p, H3, adm, "J18.900", [], hh=9)
    c.add("R32", 0, 1, "near-miss: outpatient visit on the admission day, before admission", mdtrt_id=v)
    v = c.op(p, H3, adm + 4, "J18.900", [], hh=15)
    c.add("R32", 0, 2, "near-miss: outpatient visit on the discharge day, after discharge", mdtrt_id=v)
    p = c.person(2, 60)
    adm = c.day(k, 14)
    c.stay(p, H6, adm, 6, "J18.900")
    v = c.op(p, H6, adm + 2, "J06.900", [], hh=14)
    v.reverse_at = v.end + 3600
    c.add("R32", 0, 3, "near-miss: outpatient visit during the stay, settlement reversed", mdtrt_id=v)


# ---------------------------------------------------------------------------------------------- R34
@rule("R34")
def _r34(c: Cases) -> None:
    C1, C2, C3 = c.role("C1"), c.role("C2"), c.role("C3")
    k = _quarter_start_month(c)

    def visit(p: int, inst, m: int, d: int, hh: int):
        return c.op(p, inst, c.day(k + m, d), "J06.900", [], hh=hh)

    # a group of four at C3: A, B, C on four shared days, D linked to C only (two steps from A)
    a, b, cc, d = (c.person(1 + j % 2, 35 + 6 * j) for j in range(4))
    for m, day in ((0, 9), (0, 19), (1, 10), (1, 20)):
        for j, p in enumerate((a, b, cc)):
            visit(p, C3, m, day, 9 + j)
    for day in (9, 10, 19, 20):
        visit(cc, C3, 2, day, 9)
        visit(d, C3, 2, day, 10)
    visit(a, C3, 1, 9, 9)
    visit(b, C3, 1, 9, 11)
    alone = visit(a, C3, 0, 29, 9)
    first = date_of(c.day(k, 1))
    q = f"{first.year}Q{(first.month - 1) // 3 + 1}"
    for j, p in enumerate((a, b, cc, d)):
        c.add(
            "R34",
            1,
            1 + j,
            f"{q} group of 4 at C3 (A, B, C share 4 days; D shares 4 with C only): member {'ABCD'[j]}",
            fixmedins_code=C3.code,
            psn_no=p,
        )
    c.add(
        "R34",
        0,
        1,
        "near-miss: member A's settlement on a day no other member came",
        fixmedins_code=C3.code,
        setl_id=alone,
    )
    # a pair only: linked on 4 days at C1, no third person
    e, f = c.person(1, 52), c.person(2, 53)
    for m, day in ((0, 10), (0, 20), (1, 19), (2, 29)):
        visit(e, C1, m, day, 9)
        visit(f, C1, m, day, 10)
    for n, p in ((2, e), (3, f)):
        c.add("R34", 0, n, "near-miss: a linked pair at C1 (no group of 3)", fixmedins_code=C1.code, psn_no=p)
    # three persons together on 3 days at C2, each with a 4th day alone: no link
    trio = [c.person(1 + j % 2, 44 + j) for j in range(3)]
    for m, day in ((0, 9), (1, 10), (2, 19)):
        for j, p in enumerate(trio):
            visit(p, C2, m, day, 9 + j)
    for j, p in enumerate(trio):
        visit(p, C2, j, 20, 14)
        c.add(
            "R34",
            0,
            4 + j,
            "near-miss: three persons share only 3 days at C2 (each has 4 days there)",
            fixmedins_code=C2.code,
            psn_no=p,
        )
