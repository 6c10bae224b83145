"""Cases of R33 (a hospital's cost indicator far above its peers of the same level).

The base institutions have two or three hospitals per level, fewer than the four peers R33 needs, so
this module adds eight level-1 hospitals (roles Q1–Q8, weight 0: the background never sends a patient
there, and nothing the background draws changes) with their practitioners and agreements. In one
calendar quarter of the window each gets 31 inpatient stays of its own case persons, built alike
(``Cases.stay``: bed, nursing, ward round, saline + infusion and one injection every day, diagnosis
J18.900), so every share indicator is the same at Q1–Q6: at least half of the level's peers share one
value, the MAD is 0 and the shares are not evaluated, whichever background hospitals of level 1 reach
30 visits. Q1–Q6 differ in length of stay only (4–8 days, and 14 at Q6: the 平均住院日 hit), so their
次均住院费用 spread; Q7 and Q8 stay 6 days and add treatment items every day — Q8 (the 次均住院费用 hit) far
above the others, Q7 (the near-miss) just below z 3. The costs are computed here from the catalogue
prices and every z checked, so a catalogue change that moves them fails the generation rather than the
score. Stays are settled in the quarter they begin; no background hospital of level 1 has 30 stays a
quarter at the scales the project runs (≤ 2).

The truth names the hospital and the quarter's first month (``period``): R33 hits fall on the
quarter's first day.
"""

from __future__ import annotations

import datetime as dt
import statistics

import numpy as np

from . import catalogue as cat
from .cases import Cases
from .util import DAY, date_of, day_of, uscc
from .world import COUNTIES, GIVEN, SURNAMES, Agreement, Institution, Practitioner, World

STAYS = 31  # visits of each hospital in the quarter: peer_min_visits (30) with one to spare
NORMAL_LOS = (4, 5, 6, 7, 8, 14)  # Q1–Q6; Q6 (the second hit) on 平均住院日
CASE_LOS = 6  # Q7, Q8
# every stay day of Q7 (near-miss) and Q8 (hit), on top of the stay's own lines: (code, count) —
# 心电监护, 推拿治疗, 普通针刺, 雾化吸入 ×3, 肌肉注射 ×4, 中频脉冲电治疗 ×2 (within each item's daily maximum)
EXTRA_DAILY = (
    ("003102000030000", 1),
    ("004101000020000", 1),
    ("004101000010000", 1),
    ("003101000040000", 3),
    ("003101000030000", 4),
    ("004101000030000", 2),
)
# Q8 besides: CT平扫(胸部), 心脏彩色多普勒超声 and 彩色多普勒超声(腹部) on the second day
HIT_ONCE = ("002103000030000", "002201000020000", "002201000010000")
DX = "J18.900"
NAMES = ("康和医院", "仁济医院", "安康医院", "同心医院", "博爱医院", "济民医院", "惠康医院", "明德医院")
PEER_Z, PEER_MIN_MEMBERS = 3.0, 4


def add_hospitals(world: World, rng: np.random.Generator) -> list[Institution]:
    """Eight level-1 hospitals (Q1–Q8) appended to the world, each with three practitioners and a 正常
    agreement per calendar year of the window. Call before the background and the cases are built."""
    w = world.window
    counties = list(COUNTIES)
    added = []
    for k in range(8):
        county = counties[k % len(counties)]
        inst = Institution(
            len(world.insts),
            f"H{county}{301 + k:05d}",
            f"{COUNTIES[county][:2]}{NAMES[k]}",
            "hosp",
            1,
            "1" if k % 2 == 0 else "2",
            county,
            uscc("1" if k % 2 == 0 else "5", "2", county, int(rng.integers(10_000_000, 99_999_999))),
            weight=0.0,
            role=f"Q{k + 1}",
        )
        world.insts.append(inst)
        added.append(inst)
        docs = []
        for j in range(3):
            name = SURNAMES[rng.integers(len(SURNAMES))] + "".join(
                GIVEN[rng.integers(len(GIVEN))] for _ in range(1 + int(rng.random() < 0.7))
            )
            p = Practitioner(
                len(world.pracs),
                f"D{county}{9000 + 10 * k + j:06d}",
                name,
                inst.idx,
                valid_from=w.first_day - int(rng.integers(400, 3000)),
            )
            world.pracs.append(p)
            docs.append(p.idx)
        world.docs_of[inst.idx] = np.array(docs)
        for y in range(w.start_y - 1, date_of(w.last_day).year + 1):
            end = min(day_of(dt.date(y, 12, 31)), day_of(dt.date(2026, 10, 31)))
            world.agreements.append(Agreement(inst.idx, f"XY{y}{inst.idx + 1:04d}", day_of(dt.date(y, 1, 1)), end, "1"))
    world.n_inst = len(world.insts)
    world.active = [i for i in world.insts if i.opened_day is None]
    world.hosp_lv = np.array([i.hosp_lv for i in world.insts])
    world.kind = np.array([i.kind for i in world.insts])
    world.weight = np.append(world.weight, np.zeros(len(added)))
    return added


def _quarter(c: Cases) -> int:
    """Window month of the first month of the calendar quarter the cases use: a quarter wholly inside the
    window whose prices do not change within it, the second such quarter where there is one."""
    win = c.win
    found = []
    for k in range(win.months - 2):
        m = (win.start_m - 1 + k) % 12
        if m % 3:
            continue
        first, last = win.month_first(k), win.month_first(k + 3) - 1
        if not first < win.change_day <= last:
            found.append(k)
    if not found:
        raise ValueError("R33 cases need a calendar quarter inside the window")
    return found[1] if len(found) > 1 else found[0]


def _stay_cost(c: Cases, v) -> int:
    """A stay's amount in fen, line by line as the settlement rounds it."""
    items = np.array([ln.item for ln in v.lines])
    days = np.array([ln.t // DAY for ln in v.lines])
    prices = c.c.price_at(items, days)
    cnt = np.array([ln.cnt for ln in v.lines], dtype=np.int64)
    p = cnt * prices.astype(np.int64)
    return int((np.sign(p) * ((np.abs(p) + 500_000) // 1_000_000)).sum())


def add_cases(c: Cases, hospitals: list[Institution]) -> None:
    k = _quarter(c)
    items = {code for code, _ in EXTRA_DAILY} | set(HIT_ONCE)
    for main, sub in c.kb.pairs:  # no bundle pair among the added items (R03)
        if main in items and sub in items:
            raise ValueError(f"R33 case items {main} and {sub} are a bundle pair")
    avg_cost = {}
    for n, inst in enumerate(hospitals):
        los = NORMAL_LOS[n] if n < len(NORMAL_LOS) else CASE_LOS
        daily = () if n < len(NORMAL_LOS) else EXTRA_DAILY
        total = 0
        for j in range(STAYS):
            # admissions over the quarter's first two months, discharged and settled within the quarter
            adm = c.day(k + j % 2, 1 + (j // 2) + 3 * (n % 3))
            extra = tuple((d, code, {"cnt": cat.P4 * cnt}) for d in range(los) for code, cnt in daily)
            if inst.role == "Q8":
                extra += tuple((1, code, {}) for code in HIT_ONCE)
            v = c.stay(c.person(1 + j % 2, 40 + (j * 7 + n) % 35, on=adm), inst, adm, los, DX, extra=extra)
            total += _stay_cost(c, v)
        avg_cost[inst.role] = total / STAYS / 100
    # the design, checked as R33 computes it (the level-1 background has < 30 stays a quarter)
    z_cost = _robust_z(avg_cost)
    z_los = _robust_z(
        {inst.role: NORMAL_LOS[n] if n < len(NORMAL_LOS) else CASE_LOS for n, inst in enumerate(hospitals)}
    )
    hits = {("Q8", "cost"): z_cost["Q8"], ("Q6", "los"): z_los["Q6"]}
    near = z_cost["Q7"]
    others = [z for r, z in z_cost.items() if r not in ("Q7", "Q8")] + [z for r, z in z_los.items() if r != "Q6"]
    if min(hits.values()) < PEER_Z + 0.5 or not PEER_Z - 0.6 <= near < PEER_Z - 0.1 or max(others) >= PEER_Z - 0.5:
        raise AssertionError(f"R33 cases no longer straddle z {PEER_Z}: {z_cost} {z_los}")
    period = c.period(k)
    c.add(
        "R33",
        1,
        1,
        f"次均住院费用 {avg_cost['Q8']:.2f} yuan, robust z {z_cost['Q8']:.2f} among the level-1 peers",
        fixmedins_code=c.role("Q8").code,
        period=period,
    )
    c.add(
        "R33",
        1,
        2,
        f"平均住院日 {NORMAL_LOS[5]} days, robust z {z_los['Q6']:.2f} among the level-1 peers",
        fixmedins_code=c.role("Q6").code,
        period=period,
    )
    c.add(
        "R33",
        0,
        1,
        f"次均住院费用 {avg_cost['Q7']:.2f} yuan, robust z {near:.2f}: just below {PEER_Z}",
        fixmedins_code=c.role("Q7").code,
        period=period,
    )


def _robust_z(values: dict[str, float]) -> dict[str, float]:
    med = statistics.median(values.values())
    mad = statistics.median(abs(x - med) for x in values.values())
    return {r: (x - med) / (1.4826 * mad) for r, x in values.items()}
