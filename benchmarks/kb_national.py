"""A national-size knowledge base (两库) for the benchmark: ``kb_point`` and ``kb_point_code`` feeds.

    .venv/bin/python -m benchmarks.kb_national --landing DIR [--seed 11]   # into a landing tree
    .venv/bin/python -m benchmarks.bench --size 1m --knowledge-base national  # what make bench BENCH_KB=national runs

The published national knowledge base holds thousands of knowledge points and about 25万 code rows; this
module writes one of that size, deterministically (seeded), as the centre delivers it
(KNOWLEDGE_BASE.md "Feeds"): one full snapshot of each feed, UTF-8 CSV with the contract's column codes as
headers, at ``kb_point/<YYYYMM>/<centre>_kb_point_<YYYYMM>.csv`` (and the same for ``kb_point_code``),
``<YYYYMM>`` the newest period the landing tree's catalogue (``hilist``) was delivered for.

What it holds (defaults):

* 5,400 points over every rule a point may parameterise — R03 1,000 pairs; R04, R10–R13, R23–R29 the rest —
  with the parameter mixes a bureau meets: R04 per ``day`` and per ``visit``; R23 ``visit`` and ``year``
  courses; R24 rolling periods with a count and minimum intervals; R26 ``all`` and ``single``; R13 by
  hospital level and by medical category; R29 by sex, age in years and age in days (neonates); R03 pairs
  within a ``day`` or a ``visit``. Sources national / provincial / municipal, batches, verbatim-looking
  condition and logic texts, ``result_level`` 2 on about a sixth, and validity ranges (points that start
  or expire inside the data's months, superseded versions).
* 260,000 code rows, over half of them (≈ 53 %) codes of the bench's own catalogue (``synthetic``'s sample
  catalogue, read only), so the rule views' code joins find real lines; the rest national codes the
  catalogue does not hold (as a real national batch names drugs a city's catalogue lacks). The catalogue
  has 257 items, so each catalogue code is named by many points of one rule (tens) — a denser knowledge base
  per code than a real one, where a code meets a handful: an upper bound for the join work.
* Parameters kept plausible for the catalogue's own items (a gender-restricted point only on items the
  catalogue restricts to that gender, generous frequency, course and amount limits, contraindicated
  diagnoses mostly outside the sample's diagnoses), so that what grows is the rules' join work, not the
  number of hits; the tighter points (``result_level`` 2) still find some.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

# the contract's columns (KNOWLEDGE_BASE.md "Feeds"), in contract order
KB_POINT_COLUMNS = (
    "kb_point_id",
    "rule_code",
    "national_rule_code",
    "rule_name",
    "source",
    "batch",
    "item_name",
    "condition_text",
    "logic_text",
    "result_level",
    "lmt_gend",
    "lmt_age_min",
    "lmt_age_max",
    "lmt_age_max_days",
    "lmt_med_types",
    "lmt_hosp_lv_min",
    "lmt_dise_codes",
    "max_cnt",
    "period",
    "period_days",
    "min_interval_days",
    "max_days",
    "course_scope",
    "max_amount",
    "herb_mode",
    "pair_scope",
    "valid_from",
    "valid_to",
)
KB_POINT_CODE_COLUMNS = ("kb_point_id", "side", "code_type", "code", "code_name")

# points per rule (5,400) and the code rows of the whole knowledge base
POINTS = {
    "R03": 1000,
    "R04": 420,
    "R10": 380,
    "R11": 460,
    "R12": 520,
    "R13": 380,
    "R23": 480,
    "R24": 440,
    "R25": 220,
    "R26": 300,
    "R27": 300,
    "R28": 320,
    "R29": 180,
}
CODE_ROWS = 260_000

RULE_NAMES = {
    "R03": "项目内涵重复收费",
    "R04": "超频次收费",
    "R10": "限性别用药(诊疗)",
    "R11": "限年龄用药(诊疗)",
    "R12": "限适应症(限支付疾病)",
    "R13": "限医疗机构级别或就医类别",
    "R23": "药品限支付疗程",
    "R24": "限定周期内频次或间隔",
    "R25": "限年度报销总额",
    "R26": "中药饮片不予支付",
    "R27": "缺少关联收费项目",
    "R28": "禁忌诊断用药",
    "R29": "诊断与性别年龄不符",
}
# national rule codes (GZ + category + rule number), one per rule
NATIONAL_RULE_CODES = {r: f"GZ{10 + i % 3}000{i + 1:02d}01006000" for i, r in enumerate(POINTS)}
MED_TYPES_ALL = "11;14;21;41"

# ICD-10 prefixes outside the sample's diagnoses (contraindications, national R29 lists)
RARE_ICD = (
    "A15",
    "A16",
    "A40",
    "B16",
    "B20",
    "D55",
    "D56",
    "D59",
    "D68",
    "E05",
    "E10",
    "E22",
    "E27",
    "G40",
    "G70",
    "H40",
    "I42",
    "I44",
    "I45",
    "K25",
    "K26",
    "K70",
    "K72",
    "M32",
    "M34",
    "N04",
    "N17",
    "O00",
    "O03",
    "O14",
    "O24",
    "O36",
    "O60",
    "O99",
    "P07",
    "P22",
    "P36",
    "P59",
    "Q21",
    "Q90",
    "T78",
    "T88",
    "Z33",
)
R29_NATIONAL = {  # prefix family: (sex, age min, age max, age max in days)
    "O": ("2", "10", "60", ""),
    "N40": ("1", "", "", ""),
    "N41": ("1", "", "", ""),
    "N42": ("1", "", "", ""),
    "C61": ("1", "", "", ""),
    "N70": ("2", "", "", ""),
    "N71": ("2", "", "", ""),
    "N76": ("2", "", "", ""),
    "N95": ("2", "35", "", ""),
    "P": ("", "", "", "28"),
}


def _catalogue():
    from synthetic import catalogue  # the sample catalogue, read only

    return catalogue.ITEMS, sorted(catalogue.DIAGNOSES)


def _pools(items) -> dict[str, list]:
    by_type: dict[str, list] = {}
    for it in items:
        by_type.setdefault(it.list_type, []).append(it)
    drugs, herbs, services, consumables = (by_type.get(k, []) for k in ("101", "102", "201", "301"))
    return {
        "drugs": drugs,
        "herbs": herbs,
        "services": services,
        "consumables": consumables,
        "gendered": [it for it in items if it.gend],
        "indicated": [it for it in items if it.dise],
        "R04": services + consumables,
        "R11": drugs + herbs,
        "R13": drugs + services + consumables,
        "R23": drugs,
        "R24": drugs + services,
        "R25": drugs + herbs,
        "R27": consumables,
        "R28": drugs,
    }


# catalogue codes per point (side A; R27 side B too), drawn uniformly, clamped to the pool
CAT_CODES = {
    "R04": (20, 70),
    "R10": (1, 5),
    "R11": (15, 60),
    "R12": (1, 4),
    "R13": (40, 110),
    "R23": (15, 50),
    "R24": (15, 50),
    "R25": (15, 50),
    "R26": (4, 20),
    "R27": (1, 3),
    "R28": (10, 40),
    "R29": (0, 2),
}


class Dx(NamedTuple):  # a diagnosis of the sample, shaped like a catalogue item for cat_codes()
    code: str
    name: str


class _Gen:
    def __init__(self, seed: int, first: dt.date, last: dt.date, scale: float, points_per_code: int | None = None):
        self.rng = random.Random(seed)
        self.points_per_code = points_per_code
        # with a cap, the knowledge base is meant to look like a real one: sparse per code, and its points
        # rarely broken by the sample's (mostly compliant) institutions
        self.realistic = points_per_code is not None
        self._uses: Counter[tuple[str, str, str]] = Counter()
        self.first, self.last, self.scale = first, last, scale
        self.items, self.diagnoses = _catalogue()
        self.pools = _pools(self.items)
        self.points: list[dict] = []
        self.codes: list[tuple[str, str, str, str, str]] = []
        self._national_seq = 0
        self.r29_family: dict[str, str] = {}
        self._keys: set[tuple[str, str, str]] = set()

    # ---------------------------------------------------------------- shared pieces
    def _n(self, rule: str) -> int:
        return max(1, round(POINTS[rule] * self.scale))

    def national_code(self, kind: str) -> tuple[str, str]:
        """A national code the sample catalogue does not hold, and its name."""
        self._national_seq += 1
        s = self._national_seq
        if kind == "service":
            return f"99{s:013d}", f"国家医疗服务项目{s}"
        if kind == "consumable":
            return f"C{s % 99 + 1:02d}{s:017d}", f"国家医用耗材{s}"
        if kind == "herb":
            return f"T{s:09d}", f"国家中药饮片{s}"
        atc = "ABCDGHJLMNRS"[s % 12]
        return f"X{atc}{s % 89 + 10:02d}AAA{s:07d}A001010100000", f"国家药品{s}"

    def _source(self) -> tuple[str, str]:
        x = self.rng.random()
        if x < 0.7:
            n = self.rng.randint(1, 9)
            day = dt.date(2025, 5, 1) + dt.timedelta(days=35 * n)
            return "1", f"国家第{n}批({day.isoformat()})"
        if x < 0.9:
            return "2", f"省级第{self.rng.randint(1, 4)}批"
        return "3", f"市级补充({self.first.year}-{self.rng.randint(1, 12):02d})"

    def _level(self, tight: bool = False) -> str:
        x = self.rng.random()
        if tight or x < 0.12:
            return "2"
        return "1" if x < 0.72 else ""

    def _validity(self) -> tuple[str, str]:
        """Mostly unbounded; some start or end inside the data's months; some long expired."""
        x = self.rng.random()
        span = (self.last - self.first).days
        mid = self.first + dt.timedelta(days=self.rng.randint(30, max(31, span - 30)))
        if x < 0.62:
            return "", ""
        if x < 0.74:
            return mid.isoformat(), ""
        if x < 0.84:
            return "", mid.isoformat()
        if x < 0.92:
            return dt.date(self.first.year - 2, 1, 1).isoformat(), (mid - dt.timedelta(days=1)).isoformat()
        return (self.first - dt.timedelta(days=900)).isoformat(), (self.first - dt.timedelta(days=200)).isoformat()

    def point(self, rule: str, item_name: str, condition: str, logic: str, level: str = "", **params) -> str:
        pid = f"KB{rule}{len(self.points) + 1:06d}"
        source, batch = self._source()
        valid_from, valid_to = self._validity()
        row = dict.fromkeys(KB_POINT_COLUMNS, "")
        row.update(
            kb_point_id=pid,
            rule_code=rule,
            national_rule_code=NATIONAL_RULE_CODES[rule] if source == "1" else "",
            rule_name=RULE_NAMES[rule],
            source=source,
            batch=batch,
            item_name=item_name,
            condition_text=condition,
            logic_text=logic,
            result_level=level or self._level(),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        row.update({k: str(v) for k, v in params.items()})
        self.points.append(row)
        return pid

    def add_codes(self, pid: str, side: str, code_type: str, codes: list[tuple[str, str]]) -> None:
        """Code rows of a point; a code the point already names on that side is skipped (the key)."""
        for code, name in codes:
            if (pid, side, code) not in self._keys:
                self._keys.add((pid, side, code))
                self.codes.append((pid, side, code_type, code, name))

    def cat_codes(self, rule: str, pool: list, side: str = "A") -> list[tuple[str, str]]:
        """Catalogue codes for one point of ``rule``: a random number in CAT_CODES[rule] (side B: all of
        ``pool``), each code at most ``points_per_code`` times per rule and side when that is set."""
        if self.points_per_code is not None and side == "A":
            pool = [it for it in pool if self._uses[(rule, side, it.code)] < self.points_per_code]
        lo, hi = CAT_CODES[rule] if side == "A" else (len(pool), len(pool))
        k = min(len(pool), self.rng.randint(lo, hi))
        chosen = self.rng.sample(pool, k) if k else []
        for it in chosen:
            self._uses[(rule, side, it.code)] += 1
        return [(it.code, it.name) for it in chosen]

    # ---------------------------------------------------------------- per rule
    def r03(self) -> None:
        services = self.pools["services"] + self.pools["consumables"]
        pairs = set()
        # nine in ten name a catalogue item on side A; with the realistic density its partner on side B is
        # a national code but for one pair in fifty (a pair of items billed together day after day would
        # be a violation no hospital keeps committing: the join work stays, the hits stay rare)
        n_pairs = self._n("R03") * 9 // 10
        n_cat_pairs = n_pairs if not self.realistic else max(1, n_pairs // 50)
        while len(pairs) < n_cat_pairs:
            a, b = self.rng.sample(services, 2)
            pairs.add((a.code, b.code))
        national_partners = [(self.rng.choice(services).code, "") for _ in range(n_pairs - len(pairs))]
        by_code = {it.code: it for it in self.items}
        for a, b in [*sorted(pairs), *national_partners]:
            scope = "visit" if self.rng.random() < 0.25 else ("day" if self.rng.random() < 0.8 else "")
            partner = (b, by_code[b].name) if b else self.national_code("service")
            pid = self.point(
                "R03",
                by_code[a].name,
                f"{by_code[a].name}已包含{partner[1]}",
                "同一就诊" + ("期间" if scope == "visit" else "同一天") + "同时收取视为重复收费",
                pair_scope=scope,
            )
            self.add_codes(pid, "A", "hilist", [(a, by_code[a].name)])
            extra = [self.national_code("service") for _ in range(self.rng.randint(0, 2))]
            self.add_codes(pid, "B", "hilist", [partner, *extra])
        while sum(1 for p in self.points if p["rule_code"] == "R03") < self._n("R03"):
            a, b = self.national_code("service"), self.national_code("service")
            pid = self.point("R03", a[1], f"{a[1]}已包含{b[1]}", "同一天同时收取视为重复收费", pair_scope="day")
            self.add_codes(pid, "A", "hilist", [a])
            self.add_codes(pid, "B", "hilist", [b])

    def generic(self, rule: str) -> None:
        """Every rule but R03: one point = parameters + side-A codes (catalogue and national)."""
        rng, pools = self.rng, self.pools
        for _ in range(self._n(rule)):
            side_b: list[tuple[str, str]] = []
            b_type = "hilist"
            a_type = "hilist"
            kind = "drug"
            if rule == "R04":
                per_visit = rng.random() < 0.35
                cnt = rng.choice((20, 30, 50, 100)) if not per_visit else rng.choice((60, 100, 200, 500))
                tight = rng.random() < 0.05
                if tight:
                    cnt = rng.choice((2, 3, 4))
                cat = self.cat_codes(rule, pools["R04"])
                kind = "service"
                params = dict(max_cnt=cnt, period="visit" if per_visit else "day")
                text = (f"每次住院限{cnt}次", "按就诊计数") if per_visit else (f"每日限{cnt}次", "按就诊日计数")
            elif rule == "R10":
                it = rng.choice(pools["gendered"])
                same = [x for x in pools["gendered"] if x.gend == it.gend]
                cat = self.cat_codes(rule, same)
                params = dict(lmt_gend=it.gend)
                text = ("限男性" if it.gend == "1" else "限女性", "患者性别不符不予支付")
            elif rule == "R11":
                x = rng.random()
                if x < 0.6:
                    params = dict(lmt_age_min=0, lmt_age_max=rng.choice((100, 110, 120)))
                    text = ("限成人及儿童使用", "年龄超出范围不予支付")
                elif x < 0.85:
                    params = dict(lmt_age_min=rng.choice((0, 1, 2)))
                    text = (f"限{params['lmt_age_min']}岁及以上", "年龄不足不予支付")
                else:
                    params = dict(lmt_age_max_days=28)
                    text = ("限新生儿使用", "日龄超过28天不予支付")
                cat = self.cat_codes(rule, pools["R11"]) if x < 0.85 else []
            elif rule == "R12":
                it = rng.choice(pools["indicated"])
                same = [x for x in pools["indicated"] if x.dise == it.dise] or [it]
                cat = self.cat_codes(rule, same)
                extra = rng.sample(RARE_ICD, rng.randint(0, 3))
                params = dict(lmt_dise_codes=";".join([*it.dise.split(";"), *extra]))
                text = (f"限{params['lmt_dise_codes']}患者", "无相应诊断不予支付")
            elif rule == "R13":
                x = rng.random()
                # realistic: a level restriction names drugs, not the services every clinic bills (一般诊疗费)
                cat = self.cat_codes(rule, pools["R13"] if not self.realistic or x < 0.8 else pools["drugs"])
                if x < 0.8:
                    params = dict(lmt_med_types=MED_TYPES_ALL)
                    text = ("门诊、住院及药店购药均可支付", "就医类别不符不予支付")
                elif x < 0.95:
                    params = dict(lmt_hosp_lv_min=1, lmt_med_types=MED_TYPES_ALL)
                    text = ("限一级及以上医疗机构", "机构级别不符不予支付")
                    if self.realistic:
                        cat = cat[: int(rng.random() < 0.2)]
                else:
                    params = dict(lmt_hosp_lv_min=rng.choice((2, 3)))
                    # realistic: the catalogue items the sample's level-1 clinics bill are rarely restricted
                    cat = cat[:3] if not self.realistic else cat[: int(rng.random() < 0.2)]
                    text = (f"限{params['lmt_hosp_lv_min']}级及以上医疗机构", "机构级别不符不予支付")
            elif rule == "R23":
                year = rng.random() < 0.4
                days = rng.choice((180, 270, 366)) if year else rng.choice((30, 60, 90, 120))
                cat = self.cat_codes(rule, pools["R23"])
                params = dict(max_days=days, course_scope="year" if year else "visit")
                text = (f"支付不超过{days}天", "全年累计" if year else "单次就诊累计")
            elif rule == "R24":
                x = rng.random()
                # realistic: frequency limits count services (次); a drug's cnt is tablets, limited by R23's days
                cat = self.cat_codes(rule, pools["R24"] if not self.realistic else pools["services"])
                if x < 0.6:
                    n = rng.choice((7, 30, 90, 365))
                    m = {7: 60, 30: 200, 90: 500, 365: 2000}[n]
                    params = dict(period_days=n, max_cnt=m)
                    text = (f"{n}天内不超过{m}次", "滚动周期累计")
                elif x < 0.9:
                    params = dict(min_interval_days=1)
                    text = ("两次收费间隔不少于1天", "同日重复计入")
                else:
                    params = dict(period_days=30, max_cnt=300, min_interval_days=1)
                    text = ("30天内不超过300次且间隔不少于1天", "滚动周期累计")
                if self.realistic and "min_interval_days" in params:
                    # an interval limit on items the sample bills several times a day on the wards would
                    # flag every stay: with the realistic density such limits name national codes only
                    cat = []
            elif rule == "R25":
                amount = rng.choice((20000, 50000, 100000, 200000))
                cat = self.cat_codes(rule, pools["R25"])
                params = dict(max_amount=f"{amount}.00")
                text = (f"年度报销总额不超过{amount}元", "参保人自然年累计")
            elif rule == "R26":
                single = rng.random() < 0.8
                cat = self.cat_codes(rule, pools["herbs"]) if single else []
                kind = "herb"
                params = dict(herb_mode="single" if single else "all")
                text = ("单方使用不予支付", "单味使用不予支付") if single else ("单复方均不予支付", "不予支付")
            elif rule == "R27":
                cat = self.cat_codes(rule, pools["R27"])
                kind = "consumable"
                side_b = self.cat_codes(rule, pools["services"], side="B")
                side_b += [self.national_code("service") for _ in range(rng.randint(0, 5))]
                params = {}
                text = ("须同时收取相关诊疗项目", "缺少关联项目不予支付")
            elif rule == "R28":
                cat = self.cat_codes(rule, pools["R28"])
                b_type = "icd10"
                dx = rng.sample(RARE_ICD, rng.randint(2, 8))
                if rng.random() < 0.05:
                    dx.append(rng.choice(self.diagnoses))
                side_b = [(d, f"禁忌诊断{d}") for d in dx]
                params = {}
                text = ("禁用于所列诊断", "同次就诊存在禁忌诊断")
            elif rule == "R29":
                a_type = "icd10"
                family = rng.choice(sorted(R29_NATIONAL))
                sex, amin, amax, adays = R29_NATIONAL[family]
                params = {
                    k: v
                    for k, v in dict(lmt_gend=sex, lmt_age_min=amin, lmt_age_max=amax, lmt_age_max_days=adays).items()
                    if v
                }
                own = [Dx(d, f"诊断{d}") for d in self.diagnoses if d.replace(".", "").startswith(family)]
                cat = self.cat_codes(rule, own)
                text = (f"{family}类诊断限定性别或年龄", "诊断与性别、年龄不符")
            else:
                raise ValueError(rule)
            name = f"{family}类诊断" if rule == "R29" else (cat[0][1] if cat else self.national_code(kind)[1])
            pid = self.point(rule, name, text[0], text[1], **params)
            if rule == "R29":
                self.r29_family[pid] = family
            self.add_codes(pid, "A", a_type, cat)
            if side_b:
                self.add_codes(pid, "B", b_type, side_b)

    def fill_national(self, total: int) -> None:
        """National codes the catalogue lacks, spread over the non-R03 points until ``total`` rows."""
        missing = total - len(self.codes)
        points = [p for p in self.points if p["rule_code"] != "R03"]
        if missing <= 0 or not points:
            return
        weights = [self.rng.random() + 0.2 for _ in points]
        scale = missing / sum(weights)
        shares = [int(w * scale) for w in weights]
        for i in range(missing - sum(shares)):
            shares[i % len(shares)] += 1
        kinds = {"R04": "service", "R26": "herb", "R27": "consumable"}
        for p, n in zip(points, shares, strict=True):
            if p["rule_code"] == "R29":
                family = self.r29_family[p["kb_point_id"]]
                codes = [(icd_variant(family, k), f"{family}类诊断") for k in range(n)]
                self.add_codes(p["kb_point_id"], "A", "icd10", codes)
            else:
                kind = kinds.get(p["rule_code"], "drug")
                self.add_codes(p["kb_point_id"], "A", "hilist", [self.national_code(kind) for _ in range(n)])


def icd_variant(family: str, k: int) -> str:
    """The k-th national ICD-10 code of a family (``O`` → O00.000, O01.000, …; ``N40`` → N40.000, N40.001, …)."""
    if len(family) == 1:
        return f"{family}{k % 100:02d}.{k // 100:03d}"
    return f"{family}.{k:03d}"


def generate(
    seed: int = 11,
    first: dt.date = dt.date(2025, 1, 1),
    last: dt.date = dt.date(2025, 12, 31),
    scale: float = 1.0,
    progress=print,
    points_per_code: int | None = None,
) -> tuple[list[dict], list[tuple[str, str, str, str, str]]]:
    """The points (dicts of KB_POINT_COLUMNS) and code rows (tuples of KB_POINT_CODE_COLUMNS).

    ``first``/``last``: the data's date range (validity ranges fall inside and around it); ``scale``
    shrinks every count (tests). ``points_per_code``: at most that many points of one rule name a
    catalogue code (R03 pairs excepted); the code rows still reach CODE_ROWS, with national codes."""
    g = _Gen(seed, first, last, scale, points_per_code)
    t0 = time.perf_counter()
    g.r03()
    progress(f"    kb: R03 {len(g.points):,} points, {len(g.codes):,} codes ({time.perf_counter() - t0:.1f} s)")
    for rule in POINTS:
        if rule != "R03":
            g.generic(rule)
            n = sum(1 for p in g.points if p["rule_code"] == rule)
            progress(f"    kb: {rule} {n:,} points, {len(g.codes):,} codes so far")
    g.fill_national(round(CODE_ROWS * scale))
    progress(f"    kb: {len(g.points):,} points, {len(g.codes):,} code rows ({time.perf_counter() - t0:.1f} s)")
    return g.points, g.codes


def summary(points: list[dict], codes: list[tuple]) -> dict:
    """Counts the bench records with its results."""
    items, diagnoses = _catalogue()
    known = {it.code for it in items} | set(diagnoses)
    per_rule: dict[str, int] = {}
    for p in points:
        per_rule[p["rule_code"]] = per_rule.get(p["rule_code"], 0) + 1
    catalogue_rows = sum(1 for c in codes if c[3] in known)
    return {
        "points": len(points),
        "code_rows": len(codes),
        "catalogue_code_rows": catalogue_rows,
        "r03_pairs": per_rule.get("R03", 0),
        "points_per_rule": per_rule,
        "result_level_2": sum(1 for p in points if p["result_level"] == "2"),
        "with_validity": sum(1 for p in points if p["valid_from"] or p["valid_to"]),
    }


def _write(path: Path, header: tuple[str, ...], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _periods(landing: Path, feed: str) -> list[str]:
    d = landing / feed
    return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


def write_landing(landing: Path, seed: int = 11, progress=print, points_per_code: int | None = None) -> dict:
    """Write both feeds into ``landing`` (one snapshot, the newest catalogue period); returns summary()."""
    from ingest.specs import FEEDS
    from synthetic.world import CENTRE

    for feed, cols in (("kb_point", KB_POINT_COLUMNS), ("kb_point_code", KB_POINT_CODE_COLUMNS)):
        if feed not in FEEDS:
            raise SystemExit(f"the loader has no {feed} feed (ingest/specs.py): the knowledge-base feeds are needed")
        if tuple(FEEDS[feed].codes) != cols:
            raise SystemExit(f"{feed}: the loader's columns differ from KNOWLEDGE_BASE.md's: {FEEDS[feed].codes}")
    ref = _periods(landing, "hilist")
    data = _periods(landing, "fee_list") or ref
    if not ref or not data:
        raise SystemExit(f"{landing}: no hilist / fee_list periods — generate the landing tree first")
    period = ref[-1]
    first = dt.date(int(data[0][:4]), int(data[0][4:]), 1)
    last_month = dt.date(int(data[-1][:4]), int(data[-1][4:]), 1)
    last = (last_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    points, codes = generate(seed, first, last, progress=progress, points_per_code=points_per_code)
    _write(
        landing / "kb_point" / period / f"{CENTRE}_kb_point_{period}.csv",
        KB_POINT_COLUMNS,
        ([p[c] for c in KB_POINT_COLUMNS] for p in points),
    )
    _write(landing / "kb_point_code" / period / f"{CENTRE}_kb_point_code_{period}.csv", KB_POINT_CODE_COLUMNS, codes)
    s = summary(points, codes)
    s.update(period=period, seed=seed, points_per_code=points_per_code)
    progress(
        f"    kb: wrote {s['points']:,} points ({s['r03_pairs']:,} R03 pairs) and {s['code_rows']:,} code rows "
        f"({s['catalogue_code_rows']:,} of the catalogue) for period {period}"
    )
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landing", type=Path, required=True, help="a landing tree generated by synthetic")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--points-per-code", type=int, help="at most this many points of a rule per catalogue code")
    args = ap.parse_args(argv)
    write_landing(args.landing, args.seed, points_per_code=args.points_per_code)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
