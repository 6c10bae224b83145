"""The fictional 统筹区 云澜市 (admdvs 990100): institutions, insured persons, practitioners, agreements.

All codes are fictional: 99xxxx is not a real 行政区划 prefix, names are drawn from common characters,
mobile numbers use random digits. Persons carry valid 18-digit 身份证 numbers (ISO 7064 MOD 11-2)
whose birth date and sex digit agree with ``brdy``/``gend``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ingest.check_digits import certno_check_chars

from . import catalogue as cat
from .util import age_on, date_of, day_of, uscc

CENTRE = "990100"
CITY = "云澜市"
COUNTIES = {
    "990101": "东湖区",
    "990102": "西岭区",
    "990103": "南桥区",
    "990104": "青溪县",
    "990105": "白石县",
}
OTHER_REGIONS = ("990201", "990301", "990402")  # 异地参保 (other fictional regions)

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红文辉鹏飞志宏林海燕雪梅丹凤晨欣怡佳琪浩宇子轩思雨梓涵俊嘉诚瑞博泽鑫淑珍春秋德福荣桂芝凯"
)


@dataclass
class Institution:
    idx: int
    code: str
    name: str
    kind: str  # hosp | clinic | pharm
    hosp_lv: int  # 0 = none
    econ: str
    admdvs: str
    uscc: str
    his: bool = False
    weight: float = 1.0
    open_min: int | None = None  # pharmacies: minutes after midnight
    close_min: int | None = None
    role: str = ""  # H1..H8, C1..C4, P1..P7 of replica 0 (used by the cases)
    blocked: list[tuple[int, int]] = field(default_factory=list)  # (first_day, last_day) no settlements
    fallback: int = -1
    opened_day: int | None = None  # new institution: in the snapshots from this day's month on, no activity

    @property
    def fixmedins_type(self) -> str:
        return "2" if self.kind == "pharm" else "1"

    @property
    def hhmm(self) -> tuple[str, str]:
        if self.open_min is None:
            return "", ""
        return (
            f"{self.open_min // 60:02d}:{self.open_min % 60:02d}",
            f"{self.close_min // 60:02d}:{self.close_min % 60:02d}",
        )


BASE_INSTITUTIONS = [
    # role, kind, level, econ, county, name, his, weight, open, close
    ("H1", "hosp", 3, "1", "990101", "{c}第一人民医院", True, 6.0, None, None),
    ("H2", "hosp", 3, "1", "990102", "{c}中心医院", True, 5.0, None, None),
    ("H3", "hosp", 2, "1", "990103", "{c}中医院", True, 3.0, None, None),
    ("H4", "hosp", 2, "2", "990101", "{c}康宁医院", False, 2.0, None, None),
    ("H5", "hosp", 2, "1", "990104", "青溪县人民医院", False, 3.0, None, None),
    ("H6", "hosp", 1, "1", "990105", "白石县第二人民医院", False, 1.5, None, None),
    ("H7", "hosp", 1, "1", "990101", "东湖区社区卫生服务中心", False, 1.5, None, None),
    ("H8", "hosp", 1, "2", "990102", "西岭仁和医院", False, 1.0, None, None),
    ("C1", "clinic", 0, "2", "990103", "南桥区华康诊所", False, 1.0, None, None),
    ("C2", "clinic", 0, "2", "990101", "东湖区李氏诊所", False, 1.0, None, None),
    ("C3", "clinic", 0, "2", "990104", "青溪县杏林中医诊所", False, 1.0, None, None),
    ("C4", "clinic", 0, "1", "990105", "白石县惠民诊所", False, 1.0, None, None),
    ("P1", "pharm", 0, "2", "990101", "云澜大药房东湖店", False, 1.5, 8 * 60, 22 * 60),
    ("P2", "pharm", 0, "2", "990102", "百济堂药房西岭店", False, 1.2, 8 * 60 + 30, 21 * 60 + 30),
    ("P3", "pharm", 0, "2", "990103", "仁心大药房(24小时)", False, 1.0, 0, 23 * 60 + 59),
    ("P4", "pharm", 0, "2", "990104", "青溪县康源药店", False, 1.0, 8 * 60, 20 * 60),
    ("P5", "pharm", 0, "2", "990105", "白石县益民药房", False, 1.0, 8 * 60, 21 * 60),
    ("P6", "pharm", 0, "2", "990103", "南桥惠众药房", False, 1.0, 7 * 60 + 30, 22 * 60 + 30),
]


@dataclass
class Practitioner:
    idx: int
    code: str
    name: str
    inst: int
    cert_status: str = "1"
    valid_from: int | None = None  # day numbers
    valid_to: int | None = None
    regular: bool = True  # used by the background
    added_day: int | None = None  # appears only in snapshots delivered on/after this day


@dataclass
class Agreement:
    inst: int
    no: str
    begn: int
    end: int
    status: str
    added_day: int | None = None  # None: in every snapshot; else in those of its month on


@dataclass
class Window:
    start_y: int
    start_m: int
    months: int

    @property
    def first_day(self) -> int:
        return day_of(dt.date(self.start_y, self.start_m, 1))

    def month_first(self, k: int) -> int:
        m = self.start_y * 12 + self.start_m - 1 + k
        return day_of(dt.date(m // 12, m % 12 + 1, 1))

    def month_days(self, k: int) -> int:
        return self.month_first(k + 1) - self.month_first(k)

    def period(self, k: int) -> str:
        m = self.start_y * 12 + self.start_m - 1 + k
        return f"{m // 12:04d}{m % 12 + 1:02d}"

    @property
    def last_day(self) -> int:
        return self.month_first(self.months) - 1

    @property
    def change_day(self) -> int:
        """Catalogue cap changes take effect on the 1st of the middle month of the window."""
        return self.month_first(self.months // 2)


class World:
    """Everything that exists before the first visit: reference data and the people."""

    def __init__(self, rng: np.random.Generator, scale: float, window: Window):
        self.rng = rng
        self.window = window
        self.inst_mult = max(1, int(round(max(scale, 1.0) ** 0.25)))
        self.n_persons = max(150, int(round(1080 * scale)))
        self.doc_mult = max(1, int(round((max(scale, 1.0) / self.inst_mult) ** 0.5)))
        self._build_institutions()
        self._build_practitioners()
        self._build_agreements()
        self._build_persons()

    # ------------------------------------------------------------------ institutions
    def _build_institutions(self) -> None:
        rng = self.rng
        self.insts: list[Institution] = []
        seq: dict[str, int] = {}
        for r in range(self.inst_mult):
            for role, kind, lv, econ, county, name, his, w, op, cl in BASE_INSTITUTIONS:
                if r:  # replicas live in other counties and get their own names
                    county = list(COUNTIES)[(list(COUNTIES).index(county) + r) % len(COUNTIES)]
                    name = name.replace("{c}", CITY) + (f"第{r + 1}分院" if kind != "pharm" else f"{r + 1}号店")
                    name = name.replace("青溪县", COUNTIES[county]).replace("白石县", COUNTIES[county])
                else:
                    name = name.replace("{c}", CITY)
                seq[county] = seq.get(county, 0) + 1
                prefix = "P" if kind == "pharm" else "H"
                code = f"{prefix}{county}{seq[county] + (500 if kind == 'pharm' else 0):05d}"
                reg, typ = ("1", "2") if econ == "1" else ("5", "2") if kind != "pharm" else ("9", "1")
                inst = Institution(
                    len(self.insts),
                    code,
                    name,
                    kind,
                    lv,
                    econ,
                    county,
                    uscc(reg, typ, county, int(rng.integers(10_000_000, 99_999_999))),
                    his=his and r == 0 or (his and lv == 3),
                    weight=w,
                    open_min=op,
                    close_min=cl,
                    role=role if r == 0 else "",
                )
                self.insts.append(inst)
        w = self.window
        p5, c4 = self.role("P5"), self.role("C4")
        # P5 suspended for the whole 4th month; C4 terminated from the 1st of the 5th month
        p5.blocked.append((w.month_first(3), w.month_first(4) - 1))
        c4.blocked.append((w.month_first(4), 10**6))
        p5.fallback, c4.fallback = self.role("P1").idx, self.role("C1").idx
        # a pharmacy that opens in the last month (in the last snapshot, no activity yet)
        county = "990102"
        seq[county] += 1
        new = Institution(
            len(self.insts),
            f"P{county}{seq[county] + 500:05d}",
            "云澜百姓大药房新城店",
            "pharm",
            0,
            "2",
            county,
            uscc("9", "1", county, int(rng.integers(10_000_000, 99_999_999))),
            open_min=8 * 60,
            close_min=21 * 60,
            role="P7",
            opened_day=w.month_first(w.months - 1),
        )
        self.insts.append(new)
        self.n_inst = len(self.insts)
        self.active = [i for i in self.insts if i.opened_day is None]
        self.hosp_lv = np.array([i.hosp_lv for i in self.insts])
        self.kind = np.array([i.kind for i in self.insts])
        self.weight = np.array([0.0 if i.opened_day is not None else i.weight for i in self.insts])

    def role(self, role: str) -> Institution:
        return next(i for i in self.insts if i.role == role)

    # ------------------------------------------------------------------ practitioners
    def _name(self) -> str:
        rng = self.rng
        n = 1 + int(rng.random() < 0.7)
        return SURNAMES[rng.integers(len(SURNAMES))] + "".join(GIVEN[rng.integers(len(GIVEN))] for _ in range(n))

    def _build_practitioners(self) -> None:
        rng = self.rng
        self.pracs: list[Practitioner] = []
        base = {"hosp": {3: 12, 2: 8, 1: 5}, "clinic": {0: 2}, "pharm": {0: 2}}
        counters: dict[str, int] = {}
        start = self.window.first_day
        for inst in self.insts:
            n = base[inst.kind][inst.hosp_lv] * self.doc_mult
            for _ in range(n):
                self._add_prac(inst, counters, valid_from=start - int(rng.integers(300, 3650)))
        self.docs_of: dict[int, np.ndarray] = {}
        for inst in self.insts:
            self.docs_of[inst.idx] = np.array([p.idx for p in self.pracs if p.inst == inst.idx and p.regular])
        w = self.window
        h1, h2 = self.role("H1"), self.role("H2")
        # special practitioners (used only by injected cases or never used)
        self.doc_suspended = self._add_prac(h1, counters, cert_status="2", regular=False, valid_from=start - 900)
        self.doc_revoked = self._add_prac(h1, counters, cert_status="0", regular=False, valid_from=start - 1500)
        self.doc_expiring = self._add_prac(
            h1, counters, regular=False, valid_from=start - 2000, valid_to=w.month_first(2) + 14
        )
        self._add_prac(h2, counters, regular=False, valid_from=start - 4000, valid_to=start - 200)  # left in 2024
        self.doc_new = self._add_prac(
            h2,
            counters,
            regular=False,
            valid_from=w.month_first(w.months - 1),
            added_day=w.month_first(w.months - 1),
        )

    def _add_prac(self, inst: Institution, counters: dict[str, int], **kw) -> int:
        counters[inst.admdvs] = counters.get(inst.admdvs, 0) + 1
        prefix = "Y" if inst.kind == "pharm" else "D"
        p = Practitioner(
            len(self.pracs), f"{prefix}{inst.admdvs}{counters[inst.admdvs]:06d}", self._name(), inst.idx, **kw
        )
        self.pracs.append(p)
        return p.idx

    # ------------------------------------------------------------------ agreements
    def _build_agreements(self) -> None:
        w = self.window
        y0 = w.start_y - 1
        y1 = date_of(w.last_day).year
        self.agreements: list[Agreement] = []
        for inst in self.insts:
            if inst.opened_day is not None:
                d = date_of(inst.opened_day)
                self.agreements.append(
                    Agreement(
                        inst.idx,
                        f"XY{d.year}{inst.idx + 1:04d}",
                        inst.opened_day,
                        day_of(dt.date(d.year, 12, 31)),
                        "1",
                        added_day=inst.opened_day,
                    )
                )
                continue
            for y in range(y0, y1 + 1):
                if any(e >= 10**6 and date_of(b).year < y for b, e in inst.blocked):
                    continue  # terminated (解除): no agreement for the years after
                end = min(day_of(dt.date(y, 12, 31)), day_of(dt.date(2026, 10, 31)))
                self.agreements.append(
                    Agreement(inst.idx, f"XY{y}{inst.idx + 1:04d}", day_of(dt.date(y, 1, 1)), end, "1")
                )
        # history: a one-month suspension in the year before the window (in every snapshot)
        h8 = self.role("H8")
        self.agreements.append(
            Agreement(h8.idx, f"XY{y0}{h8.idx + 1:04d}", day_of(dt.date(y0, 3, 1)), day_of(dt.date(y0, 3, 31)), "2")
        )
        for inst in (self.role("P5"), self.role("C4")):
            ((b, e),) = inst.blocked
            y = date_of(b).year
            end = min(e, day_of(dt.date(y, 12, 31)))
            self.agreements.append(
                Agreement(
                    inst.idx,
                    f"XY{y}{inst.idx + 1:04d}",
                    b,
                    end,
                    "2" if inst.role == "P5" else "3",
                    added_day=b,
                )
            )

    # ------------------------------------------------------------------ persons
    def _build_persons(self) -> None:
        rng = self.rng
        n = self.n_persons
        w = self.window
        start = w.first_day
        band = rng.choice(4, n, p=[0.12, 0.30, 0.28, 0.30])
        lo = np.array([0, 14, 40, 60])[band]
        hi = np.array([13, 39, 59, 92])[band]
        age0 = rng.integers(lo, hi + 1)
        brdy = start - (age0 * 365.25).astype(np.int64) - rng.integers(1, 365, n)
        gend = rng.integers(1, 3, n)
        self._new_people(n)
        self.brdy[:] = brdy
        self.gend[:] = gend
        local = rng.random(n) < 0.92
        counties = np.array(list(COUNTIES))
        self.admdvs_code[:] = np.where(
            local,
            counties[rng.integers(0, 5, n)],
            np.array(OTHER_REGIONS)[rng.integers(0, len(OTHER_REGIONS), n)],
        )
        self.insutype[:] = np.where(
            (age0 >= 18) & (age0 < 60) & (rng.random(n) < 0.55),
            "310",
            np.where(age0 >= 60, np.where(rng.random(n) < 0.4, "310", "390"), "390"),
        )
        # cohorts: 0 general, 1 chronic refills, 2 inpatient-prone, 9 dead before the window
        u = rng.random(n)
        old = age0 >= 35
        self.cohort[:] = np.where(old & (u < 0.40), 1, np.where(u > 0.86, 2, 0))
        dead_before = rng.random(n) < 0.01
        self.cohort[dead_before] = 9
        # dead 30–700 days before the window, but never before birth (a baby born shortly before the
        # window who died before it died between the two)
        died = start - rng.integers(30, 700, dead_before.sum())
        self.die[dead_before] = np.minimum(np.maximum(died, brdy[dead_before] + 1), start - 1)
        dies = (~dead_before) & (rng.random(n) < 0.008)
        self.die[dies] = start + rng.integers(20, w.last_day - start - 5, dies.sum())
        self.slot[:] = rng.integers(1, 9, n)
        self.ipt_r[:] = rng.integers(0, 3, n)
        # homes: a hospital, a clinic and a pharmacy, mostly in the home county
        self._assign_homes(np.arange(n))
        self._assign_regimens(np.arange(n))
        # newborns enrolled during the window: in the snapshots from their birth month on, never active
        nb = max(3, n // 200)
        first = self._new_people(nb)
        sel = np.arange(first, first + nb)
        self.brdy[sel] = w.month_first(max(1, w.months // 2)) + rng.integers(0, 40, nb)
        self.gend[sel] = rng.integers(1, 3, nb)
        self.admdvs_code[sel] = counties[rng.integers(0, 5, nb)]
        self.insutype[sel] = "390"
        self.cohort[sel] = 8
        self.enrolled[sel] = self.brdy[sel]
        self._assign_homes(sel)
        self.n_background = len(self.brdy)

    def _new_people(self, n: int) -> int:
        """Append ``n`` blank persons; returns the index of the first."""
        empty = {
            "brdy": np.zeros(n, np.int64),
            "gend": np.ones(n, np.int64),
            "admdvs_code": np.full(n, CENTRE, "<U6"),
            "insutype": np.full(n, "390", "<U3"),
            "cohort": np.zeros(n, np.int64),
            "die": np.full(n, 10**7, np.int64),
            "slot": np.ones(n, np.int64),
            "ipt_r": np.zeros(n, np.int64),
            "home_h": np.zeros(n, np.int64),
            "home_c": np.zeros(n, np.int64),
            "home_p": np.zeros(n, np.int64),
            "regimen": np.full((n, 3), -1, np.int64),
            "chronic_prof": np.full(n, -1, np.int64),
            "refill_inst": np.full(n, -1, np.int64),
            "refill_ph": np.zeros(n, bool),
            "enrolled": np.zeros(n, np.int64),
            "busy_from": np.full(n, -1, np.int64),
            "busy_to": np.full(n, -1, np.int64),
        }
        if not hasattr(self, "brdy"):
            for k, v in empty.items():
                setattr(self, k, v)
            return 0
        first = len(self.brdy)
        for k, v in empty.items():
            setattr(self, k, np.concatenate([getattr(self, k), v]))
        return first

    def add_case_person(
        self, gend: int, brdy: int, insutype: str = "390", admdvs: str = "990101", die: int | None = None
    ) -> int:
        i = self._new_people(1)
        self.brdy[i] = brdy
        self.gend[i] = gend
        self.insutype[i] = insutype
        self.admdvs_code[i] = admdvs
        self.cohort[i] = 7
        if die is not None:
            self.die[i] = die
        return i

    def _pick(self, idx: np.ndarray, kinds: tuple[str, ...], min_lv: int = 0) -> np.ndarray:
        """A home institution of the given kinds for each person, 70 % in the home county."""
        rng = self.rng
        cand = np.array([i.idx for i in self.insts if i.kind in kinds and i.hosp_lv >= min_lv and i.opened_day is None])
        wts = self.weight[cand]
        out = cand[rng.choice(len(cand), len(idx), p=wts / wts.sum())]
        county = np.array([self.insts[c].admdvs for c in cand])
        same = rng.random(len(idx)) < 0.7
        for j in np.nonzero(same)[0]:
            pool = cand[county == self.admdvs_code[idx[j]]]
            if len(pool):
                out[j] = pool[rng.integers(len(pool))]
        return out

    def _assign_homes(self, idx: np.ndarray) -> None:
        self.home_h[idx] = self._pick(idx, ("hosp",))
        self.home_c[idx] = self._pick(idx, ("clinic", "hosp"))
        self.home_p[idx] = self._pick(idx, ("pharm",))

    def eligible_profiles(
        self, profiles: list[cat.Profile], psn: np.ndarray, day: np.ndarray, margin: int = 0
    ) -> np.ndarray:
        """(n, len(profiles)) eligibility by sex and age (age band kept ``margin`` years inside)."""
        age = age_on(self.brdy[psn], day)
        g = self.gend[psn]
        out = np.zeros((len(psn), len(profiles)), bool)
        for j, p in enumerate(profiles):
            ok = (age >= p.age[0]) & (age + margin <= p.age[1])
            if p.gend:
                ok &= g == int(p.gend)
            out[:, j] = ok
        return out

    def _assign_regimens(self, idx: np.ndarray) -> None:
        rng = self.rng
        chronic = idx[self.cohort[idx] == 1]
        profs = cat.CHRONIC_PROFILES
        elig = self.eligible_profiles(profs, chronic, np.full(len(chronic), self.window.last_day), margin=0)
        elig &= self.eligible_profiles(profs, chronic, np.full(len(chronic), self.window.first_day))
        wts = np.array([p.weight for p in profs])
        for j, i in enumerate(chronic):
            e = elig[j]
            if not e.any():
                self.cohort[i] = 0
                continue
            pw = wts * e
            k = int(rng.choice(len(profs), p=pw / pw.sum()))
            p = profs[k]
            pool = p.pools[0]
            m = int(rng.integers(pool.kmin, pool.kmax + 1))
            items = [cat.BY_CODE[c].idx for c in rng.permutation(pool.codes)[:m]]
            self.regimen[i, : len(items)] = items
            self.chronic_prof[i] = k
            home = self.home_h[i] if self.hosp_lv[self.home_h[i]] >= p.lv_min else -1
            if home < 0:
                cand = np.array([x.idx for x in self.insts if x.kind == "hosp" and x.hosp_lv >= p.lv_min])
                home = cand[rng.integers(len(cand))]
            self.refill_inst[i] = home
            ph_ok = any(cat.ITEMS[x].ph for x in items)
            self.refill_ph[i] = ph_ok and rng.random() < 0.5

    # ------------------------------------------------------------------ identity strings
    def identities(self, seed: int) -> dict[str, np.ndarray]:
        """psn_no, certno, name and tel for every person (fake names and numbers, fixed by the seed)."""
        rng = np.random.default_rng([seed, len(self.brdy)])
        n = len(self.brdy)
        psn_no = np.array([f"99{i + 1:014d}" for i in range(n)])
        by = [date_of(int(b)) for b in self.brdy]
        area = self.admdvs_code.astype(str)
        key = np.array([f"{a}{d:%Y%m%d}{g}" for a, d, g in zip(area, by, self.gend, strict=True)])
        order = np.argsort(key, kind="stable")
        rank = np.zeros(n, np.int64)
        sk = key[order]
        starts = np.r_[0, np.nonzero(sk[1:] != sk[:-1])[0] + 1]
        counts = np.diff(np.r_[starts, n])
        rank[order] = np.arange(n) - np.repeat(starts, counts)
        seq = 100 + 2 * rank + np.where(self.gend == 1, 1, 0)  # odd = male
        body = np.array([f"{a}{d:%Y%m%d}{s:03d}" for a, d, s in zip(area, by, seq, strict=True)])
        digits = np.array([[int(c) for c in b] for b in body], dtype=np.int64)
        certno = np.char.add(body, certno_check_chars(digits))
        names = np.array(
            [
                SURNAMES[rng.integers(len(SURNAMES))]
                + "".join(GIVEN[rng.integers(len(GIVEN))] for _ in range(1 + int(rng.random() < 0.75)))
                for _ in range(n)
            ]
        )
        tel = np.array([f"1{rng.choice([3, 5, 7, 8, 9])}{rng.integers(0, 10**9):09d}" for _ in range(n)])
        return {"psn_no": psn_no, "certno": certno, "psn_name": names, "tel": tel}
