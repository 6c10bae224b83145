"""Month-by-month generation: background + cases → settlements, HIS, 进销存 → files per period."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from ingest.specs import FEEDS

from . import (
    cases_behaviour,  # noqa: F401  (registers the R30–R34 cases with cases.rule)
    cases_peer,
    kb_points,  # registers the knowledge-base cases with the rule cases
)
from . import catalogue as cat
from . import kb as kbmod
from .activity import DEPTS, DX_CODES, DX_INDEX, Background, CatArrays
from .cases import TRUTH_COLUMNS, Cases, CSale, CVisit
from .frame import Counters, Frame
from .util import (
    DAY,
    date_of,
    date_text,
    day_of,
    decimal,
    fixed,
    ids,
    month_index,
    take_str,
    time_text,
    timestamps,
)
from .world import CENTRE, Window, World
from .writers import landing_path, write_csv, write_parquet, write_xlsx

ROWS_PER_PARQUET = 400_000
SUPPLIERS = [
    "云澜医药供应链有限公司",
    "闽南康达医药有限公司",
    "九和医疗器械有限公司",
    "东湖药业配送中心",
    "百草中药饮片有限公司",
]
HANDLERS = ["林晓", "陈静", "王海", "郑敏", "许航"]


@dataclass
class Summary:
    out: Path
    truth: Path
    seed: int
    scale: float
    periods: list[str]
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    truth_rows: int = 0
    seconds: float = 0.0

    @property
    def fee_lines(self) -> int:
        return self.rows.get("fee_list", 0)

    def line(self) -> str:
        size = sum(p.stat().st_size for p in self.files) / 1e6
        per = ", ".join(f"{k} {v:,}" for k, v in sorted(self.rows.items()))
        return (
            f"wrote {len(self.files)} files ({size:.1f} MB, {self.periods[0]}–{self.periods[-1]}, seed "
            f"{self.seed}, scale {self.scale:g}) under {self.out}; rows per feed: {per}; ground truth "
            f"{self.truth_rows} rows in {self.truth} ({self.seconds:.1f} s)"
        )


def _amount(cnt: np.ndarray, pric: np.ndarray) -> np.ndarray:
    """round(cnt × pric, 2) half away from zero, in cents (cnt and pric in 1/10000)."""
    p = cnt.astype(np.int64) * pric.astype(np.int64)
    return np.sign(p) * ((np.abs(p) + 500_000) // 1_000_000)


class Generator:
    def __init__(
        self,
        out: Path,
        seed: int,
        scale: float,
        start: str,
        months: int,
        truth: Path | None,
        log: Callable[[str], None] = print,
    ):
        y, m = (int(x) for x in start.split("-"))
        if months < 6:
            raise ValueError("--months must be at least 6 (every feed needs six months of activity)")
        self.window = Window(y, m, months)
        if date_of(self.window.last_day) > dt.date(2026, 10, 31):
            raise ValueError("the window must end by 2026-10: every date must lie in the past")
        if scale <= 0:
            raise ValueError("--scale must be positive")
        self.out = Path(out)
        self.truth_path = Path(truth) if truth else self.out.resolve().parent / "ground_truth.csv"
        self.log = log
        self.seed, self.scale = seed, scale
        ss = np.random.SeedSequence(seed)
        r_world, r_bg, r_case, r_misc = (np.random.default_rng(s) for s in ss.spawn(4))
        self.kb = kbmod.load()
        cat.validate(self.kb.pairs, self.kb.low_std)
        self.world = World(r_world, scale, self.window)
        peer_hospitals = cases_peer.add_hospitals(self.world, np.random.default_rng([seed, 33]))
        self.cats = CatArrays(self.window.change_day, self.kb.watch_codes)
        self.cases = Cases(self.world, self.kb, self.cats, r_case)
        cases_peer.add_cases(self.cases, peer_hospitals)
        self.ident = self.world.identities(seed)
        self.counters = Counters()
        self.bg = Background(self.world, self.cats, self.counters, r_bg)
        self.rng = r_misc
        W, M = self.world, months
        self.sold = np.zeros((W.n_inst, self.cats.n, M), np.int64)
        self.sold_gross = np.zeros((W.n_inst, self.cats.n, M), np.int64)  # refunds and returns not netted
        self.watch_amt = np.zeros((W.n_inst, self.cats.n, M), np.int64)
        self.stock = np.zeros((W.n_inst, self.cats.n), np.int64)
        self.last_batch = np.full((W.n_inst, self.cats.n), -1, np.int64)
        self.pending: list[dict[str, list[Frame]]] = [defaultdict(list) for _ in range(M)]
        self.trac_tokens: dict[str, int] = {}
        self.case_visits: dict[int, list[CVisit]] = defaultdict(list)
        self.case_sales: dict[int, list[CSale]] = defaultdict(list)
        for v in self.cases.visits:
            self.case_visits[self._month(v.begn // DAY)].append(v)
        for s in self.cases.sales:
            self.case_sales[self._month(s.t // DAY)].append(s)
        self.summary = Summary(self.out, self.truth_path, seed, scale, [self.window.period(k) for k in range(M)])
        self.stages = self.plan_stages()
        self.cleaned = {"bundle": 0, "growth": 0}
        self.setl_of_visit: dict[int, int] = {}
        self._str = {
            "psn": pa.array(list(self.ident["psn_no"])),
            "inst": pa.array([i.code for i in self.world.insts]),
            "item": pa.array(self.cats.code),
            "doc": pa.array([p.code for p in self.world.pracs]),
            "dx": pa.array(DX_CODES),
            "admdvs": pa.array(list(self.world.admdvs_code.astype(str))),
        }

    def _month(self, day: int) -> int:
        k = int(month_index(np.array([day]), self.window.start_y, self.window.start_m)[0])
        if not 0 <= k < self.window.months:
            raise ValueError(f"date {date_of(day)} outside the window")
        return k

    def months_of(self, secs: np.ndarray) -> np.ndarray:
        return month_index(secs // DAY, self.window.start_y, self.window.start_m)

    # ================================================================== the month loop
    def run(self) -> Summary:
        t0 = time.perf_counter()
        if self.out.exists() and any(self.out.iterdir()):
            raise FileExistsError(f"{self.out} is not empty: choose an empty directory (or --overwrite)")
        self.out.mkdir(parents=True, exist_ok=True)
        if self.truth_path.resolve().is_relative_to(self.out.resolve()):
            raise ValueError("the ground truth must not be written inside the landing tree")
        w = self.world
        self.log(
            f"云澜市 (centre {CENTRE}): {w.n_inst} institutions, {w.n_background:,} insured persons "
            f"+ {len(w.brdy) - w.n_background} case persons, {len(w.pracs)} practitioners, "
            f"{len(cat.ITEMS)} catalogue items; {len(self.cases.truth)} truth rows"
        )
        for g in range(self.window.months):
            tm = time.perf_counter()
            self.process(g)
            n_files = len(self.summary.files)
            counts = self.write_period(g)
            self.log(
                f"{self.window.period(g)}: "
                + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                + f" — {len(self.summary.files) - n_files} files ({time.perf_counter() - tm:.1f} s)"
            )
        self.write_truth()
        self.summary.seconds = time.perf_counter() - t0
        return self.summary

    def process(self, g: int) -> None:
        bg = self.bg
        v1, l1 = bg.stays(g)
        v2, l2, s2 = bg.events(g)
        s3 = bg.cash_sales(g)
        visits = Frame.cat("visits", [v1, v2])
        lines = Frame.cat("lines", [l1, l2])
        sales = Frame.cat("sales", [s2, s3])
        lines = self.clean_bundles(lines)
        cv, cl, cs, his_extra, reversals = self.materialise_cases(g)
        lines, sales = self.clean_growth(g, lines, sales, cl, cs)
        used = np.union1d(lines["vid"], sales["vid"][sales["vid"] >= 0])
        visits = visits.take(np.isin(visits["vid"], used))
        visits = Frame.cat("visits", [visits, cv])
        sales = Frame.cat("sales", [sales, cs])
        lines = Frame.cat("lines", [lines, cl, self.mirror_sales(sales, visits)])
        setls, lines = self.settle(visits, lines, reversals)
        vmap = dict(
            zip(
                setls["vid"][setls["refd"] == 0].tolist(),
                setls["setl"][setls["refd"] == 0].tolist(),
                strict=True,
            )
        )
        ph = visits["kind"] == 2
        self.setl_of_visit.update({v: vmap[v] for v in visits["vid"][ph].tolist()})
        for obj in self.case_visits.get(g, []) + [s for s in self.case_sales.get(g, []) if s.settled]:
            obj.setl = vmap[obj.vid]
        his = self.his(visits, lines, his_extra)
        self.account(g, lines, sales)
        self.route(visits, setls, lines, sales, his)

    # ------------------------------------------------------------------ background clean-up
    def clean_bundles(self, lines: Frame) -> Frame:
        """Safety net for R03: never bill a bundle pair's sub item on a day its main item is billed."""
        if not len(lines):
            return lines
        key = lines["vid"] * 100_000 + lines["t"] // DAY % 100_000
        drop = np.zeros(len(lines), bool)
        for a, b in self.kb.pairs:
            ia, ib = cat.BY_CODE[a].idx, cat.BY_CODE[b].idx
            is_b = lines["item"] == ib
            if is_b.any():
                drop |= is_b & np.isin(key, key[lines["item"] == ia])
        self.cleaned["bundle"] += int(drop.sum())
        return lines.take(~drop)

    def clean_growth(self, g: int, lines: Frame, sales: Frame, cl: Frame, cs: Frame) -> tuple[Frame, Frame]:
        """Keep R21 quiet in the background: a watchlist item's month amount at an institution stays below
        75 % of max(10,000, 2 × the average of the three months before)."""
        if g < 3:
            return lines, sales
        C, nT = self.cats, self.cats.n
        avg = self.watch_amt[:, :, g - 3 : g].sum(axis=2) / 3
        allowed = 0.75 * np.maximum(1_000_000, 2 * avg)
        case = np.zeros_like(allowed)
        for f, cnt, pric in ((cl, cl["cnt"], cl["pric"]), (cs, cs["cnt"], cs["pric"])):
            m = C.watch[f["item"]] & (f["vid"] >= 0) if f.name == "sales" else C.watch[f["item"]]
            np.add.at(case, (f["inst"][m], f["item"][m]), _amount(cnt[m], pric[m]))
        allowed = allowed - case
        out = []
        for f in (lines, sales):
            m = C.watch[f["item"]] & (f["vid"] >= 0)
            amt = _amount(f["cnt"], f["pric"])
            grp = f["vid"] * nT + f["item"]
            uniq, inv = np.unique(np.where(m, grp, -1), return_inverse=True)
            gamt = np.bincount(inv, weights=amt, minlength=len(uniq))
            first = np.zeros(len(uniq), np.int64)
            first[inv[::-1]] = np.arange(len(inv))[::-1]
            ginst, gitem = f["inst"][first], f["item"][first]
            valid = uniq >= 0
            order = np.lexsort((self.rng.random(len(uniq)), ginst * nT + gitem))
            k_sorted = (ginst * nT + gitem)[order]
            cum = np.cumsum(np.where(valid[order], gamt[order], 0))
            start = np.searchsorted(k_sorted, k_sorted)
            base = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0)
            within = cum - base
            too_much = valid[order] & (within > allowed[ginst[order], gitem[order]])
            drop_g = np.zeros(len(uniq), bool)
            drop_g[order[too_much]] = True
            drop = drop_g[inv] & m
            self.cleaned["growth"] += int(drop.sum())
            out.append(f.take(~drop))
        return out[0], out[1]

    # ------------------------------------------------------------------ cases
    def _trac(self, token: str | None, traced: bool, fresh: bool) -> int:
        if token is not None:
            if token not in self.trac_tokens:
                self.trac_tokens[token] = self.counters.one("trac")
            return self.trac_tokens[token]
        return self.counters.one("trac") if (traced and fresh) else -1

    def materialise_cases(self, g: int):
        C, W, k = self.cats, self.world, self.counters
        vis, lns, sls, extra, rev = [], [], [], [], {}
        for v in self.case_visits.get(g, []):
            v.vid = k.one("visit")
            inst = W.insts[v.inst]
            kind = 1 if v.med_type == 21 else 0
            ipt = k.one("ipt") if (kind == 1 and inst.his) else -1
            vis.append(
                dict(
                    vid=v.vid,
                    psn=v.psn,
                    inst=v.inst,
                    med_type=v.med_type,
                    begn=v.begn,
                    end=v.end,
                    dx=DX_INDEX[v.dx] if v.dx else -1,
                    dx2=DX_INDEX[v.dx2] if v.dx2 else -1,
                    dept=DEPTS.index(v.dept),
                    dr=v.dr,
                    dscg_way=v.dscg_way,
                    cert=1,
                    setl_t=v.setl_t,
                    kind=kind,
                    case=True,
                    ipt_no=ipt,
                )
            )
            prices: dict[int, int] = {}
            for ln in sorted(v.lines, key=lambda x: (x.t, x.refund_of is not None)):
                ln.lid = k.one("line")
                day = ln.t // DAY
                if ln.pric is not None:
                    pric = ln.pric
                elif ln.refund_of is not None:
                    pric = prices[id(ln.refund_of)]
                else:
                    pric = int(C.price_at(np.array([ln.item]), np.array([day]))[0])
                prices[id(ln)] = pric
                trac = self._trac(ln.trac, bool(C.traced[ln.item]), kind == 0 and ln.cnt > 0)
                lns.append(
                    dict(
                        lid=ln.lid,
                        vid=v.vid,
                        psn=v.psn,
                        inst=v.inst,
                        t=ln.t,
                        item=ln.item,
                        cnt=ln.cnt,
                        pric=pric,
                        dr=v.dr if ln.dr is None else ln.dr,
                        dept=DEPTS.index(v.dept),
                        trac=trac,
                        drord=-1,
                        init=ln.refund_of.lid if ln.refund_of else -1,
                        his=ln.his,
                        case=True,
                        role=0,
                        sid=-1,
                        setl=-1,
                    )
                )
            for t, item, cnt in v.his_extra:
                extra.append((v.vid, v.inst, t, item, cnt))
            if v.reverse_at is not None:
                rev[v.vid] = v.reverse_at
        for s in self.case_sales.get(g, []):
            if s.settled:
                s.vid = k.one("visit")
                vis.append(
                    dict(
                        vid=s.vid,
                        psn=s.psn,
                        inst=s.inst,
                        med_type=41,
                        begn=s.t,
                        end=s.setl_t,
                        dx=-1,
                        dx2=-1,
                        dept=-1,
                        dr=s.dr,
                        dscg_way=-1,
                        cert=1,
                        setl_t=s.setl_t,
                        kind=2,
                        case=True,
                        ipt_no=-1,
                    )
                )
            rxno = k.one("rx") if any(sl.rx for sl in s.lines) else -1
            for sl in s.lines:
                sl.sid = k.one("sale")
                sls.append(
                    dict(
                        sid=sl.sid,
                        inst=s.inst,
                        vid=s.vid,
                        psn=s.psn,
                        t=sl.t,
                        item=sl.item,
                        cnt=sl.cnt,
                        pric=sl.pric,
                        rx=sl.rx,
                        rxno=rxno if sl.rx else -1,
                        dr=sl.dr,
                        trac=self._trac(sl.trac, bool(C.traced[sl.item]), sl.retn == 0),
                        retn=sl.retn,
                        init=sl.init.sid if sl.init else -1,
                        case=True,
                    )
                )

        def frame(name, rows):
            if not rows:
                return Frame(name, n=0)
            return Frame(name, {c: np.array([r[c] for r in rows]) for c in rows[0]})

        return frame("visits", vis), frame("lines", lns), frame("sales", sls), extra, rev

    # ------------------------------------------------------------------ pharmacy fee lines
    def mirror_sales(self, sales: Frame, visits: Frame) -> Frame:
        m = (sales["vid"] >= 0) & (sales["retn"] == 0)
        s = sales.take(m)
        n = len(s)
        pos = np.searchsorted(visits["vid"], s["vid"], sorter=np.argsort(visits["vid"]))
        vdr = visits["dr"][np.argsort(visits["vid"])][pos]
        return Frame(
            "lines",
            dict(
                lid=self.counters.take("line", n),
                vid=s["vid"],
                psn=s["psn"],
                inst=s["inst"],
                t=s["t"],
                item=s["item"],
                cnt=s["cnt"],
                pric=s["pric"],
                dr=vdr,
                dept=np.full(n, -1),
                trac=s["trac"],
                drord=np.full(n, -1),
                init=np.full(n, -1),
                his=np.zeros(n, bool),
                case=s["case"],
                role=np.zeros(n),
                sid=s["sid"],
                setl=np.full(n, -1),
            ),
        )

    # ------------------------------------------------------------------ settlements
    def settle(self, visits: Frame, lines: Frame, case_rev: dict[int, int]) -> tuple[Frame, Frame]:
        rng, W, k = self.rng, self.world, self.counters
        nv = len(visits)
        setl = k.take("setl", nv)
        order = np.argsort(visits["vid"])
        vpos = order[np.searchsorted(visits["vid"], lines["vid"], sorter=order)]
        lines["setl"] = setl[vpos]
        # background reversals of outpatient settlements (退费): same day, 1-3 hours later
        day = visits["setl_t"] // DAY
        cand = (visits["kind"] == 0) & ~visits["case"] & (W.die[visits["psn"]] > day + 2)
        pick = cand & (rng.random(nv) < 0.008)
        rev_t = visits["setl_t"] + rng.integers(3600, 3 * 3600, nv)
        pick &= rev_t // DAY == day
        for vid, t in case_rev.items():
            j = int(np.nonzero(visits["vid"] == vid)[0][0])
            pick[j] = True
            rev_t[j] = t
        rv = np.nonzero(pick)[0]
        rev_setl = k.take("setl", len(rv))
        # inpatient refunds (退药/退检): a day-0 lab fully, or one unit of a drug line
        bgl = ~lines["case"]
        u = rng.random(len(lines))
        lab = bgl & (lines["role"] == 2) & (u < 0.03)
        drug = bgl & (lines["role"] == 1) & (lines["cnt"] >= 2 * cat.P4) & (u < 0.02)
        ok = (lines["t"] % DAY) + 3600 < DAY
        refund = np.nonzero((lab | drug) & ok)[0]
        parts = [lines]
        if len(refund):
            r = lines.take(refund)
            r["cnt"] = np.where(lab[refund], -r["cnt"], -cat.P4)
            r["init"] = lines["lid"][refund]
            r["t"] = r["t"] + 3600
            r["trac"] = -1
            r["lid"] = k.take("line", len(refund))
            parts.append(r)
        if len(rv):
            rl = np.nonzero(np.isin(lines["vid"], visits["vid"][rv]))[0]
            r = lines.take(rl)
            vmap = dict(zip(visits["vid"][rv].tolist(), range(len(rv)), strict=True))
            j = np.array([vmap[x] for x in r["vid"].tolist()], dtype=np.int64)
            r["cnt"] = -r["cnt"]
            r["init"] = lines["lid"][rl]
            r["t"] = rev_t[rv][j] - 10
            r["setl"] = rev_setl[j]
            r["trac"] = -1
            r["lid"] = k.take("line", len(rl))
            parts.append(r)
        lines = Frame.cat("lines", parts)
        lines["amt"] = _amount(lines["cnt"], lines["pric"])
        # settlement amounts
        all_setl = np.r_[setl, rev_setl]
        spos = np.searchsorted(all_setl, lines["setl"])
        n_all = len(all_setl)
        medfee = np.bincount(spos, weights=lines["amt"], minlength=n_all).round().astype(np.int64)
        own = self.cats.lv[lines["item"]] == "03"
        fulamt = np.bincount(spos, weights=np.where(own, lines["amt"], 0), minlength=n_all).round().astype(np.int64)
        medfee, fulamt = medfee[:nv], fulamt[:nv]
        inscp = medfee - fulamt
        psn, inst = visits["psn"], visits["inst"]
        emp = W.insutype[psn] == "310"
        lv = W.hosp_lv[inst]
        mt = visits["med_type"]
        ratio = np.select(
            [mt == 21, mt == 14, mt == 11, mt == 41],
            [
                np.select([lv >= 3, lv == 2], [0.70, 0.75], 0.80) + 0.10 * emp,
                0.70 + 0.10 * emp,
                0.50 + 0.10 * emp,
                0.50 * emp,
            ],
            0,
        )
        fund = np.floor(np.maximum(inscp, 0) * ratio).astype(np.int64)
        rest = medfee - fund
        acct = np.where(emp, np.floor(rest * rng.uniform(0.3, 1.0, nv)).astype(np.int64), 0)
        acct = np.clip(acct, 0, np.maximum(rest, 0))
        cash = rest - acct
        s = Frame(
            "setls",
            dict(
                setl=setl,
                vid=visits["vid"],
                psn=psn,
                inst=inst,
                t=visits["setl_t"],
                refd=np.zeros(nv),
                init=np.full(nv, -1),
                medfee=medfee,
                fulamt=fulamt,
                inscp=inscp,
                fund=fund,
                acct=acct,
                cash=cash,
                cert=visits["cert"],
                case=visits["case"],
            ),
        )
        if len(rv):
            r = s.take(rv)
            r["setl"] = rev_setl
            r["t"] = rev_t[rv]
            r["refd"] = 1
            r["init"] = setl[rv]
            for c in ("medfee", "fulamt", "inscp", "fund", "acct", "cash"):
                r[c] = -r[c]
            s = Frame.cat("setls", [s, r])
        return s, lines

    # ------------------------------------------------------------------ HIS
    def his(self, visits: Frame, lines: Frame, extra: list) -> dict[str, Frame]:
        W, k, rng = self.world, self.counters, self.rng
        ipt_v = visits.take(visits["kind"] == 1)
        il = np.nonzero(np.isin(lines["vid"], ipt_v["vid"]))[0]
        grp = lines["vid"][il] * self.cats.n + lines["item"][il]
        uniq, inv = np.unique(grp, return_inverse=True)
        drord = k.take("drord", len(uniq))
        lines["drord"][il] = drord[inv]
        his_inst = np.array([i.his for i in W.insts])
        hv = ipt_v.take(his_inst[ipt_v["inst"]])
        # self-pay patients (no mdtrt_id) exist in HIS only: clone ~3 % of the background HIS stays, and
        # give every HIS hospital at least one a month (a copy of another hospital's stay)
        bgi = ipt_v.take(~ipt_v["case"])
        target = np.where(his_inst[bgi["inst"]] & (rng.random(len(bgi)) < 0.03), bgi["inst"], -1)
        for h in (i.idx for i in W.insts if i.his):
            free = np.nonzero(target < 0)[0]
            if not (target == h).any() and len(free):
                target[free[rng.integers(len(free))]] = h
        clones = bgi.take(target >= 0)
        clones["inst"] = target[target >= 0]
        clones["dr"] = self.bg.pick_doc(clones["inst"])
        out: dict[str, list[Frame]] = defaultdict(list)
        for stays, self_pay in ((hv, False), (clones, True)):
            if not len(stays):
                continue
            sl_idx = np.nonzero(np.isin(lines["vid"], stays["vid"]))[0]
            sl = lines.take(sl_idx)
            vpos = np.searchsorted(stays["vid"], sl["vid"], sorter=np.argsort(stays["vid"]))
            vpos = np.argsort(stays["vid"])[vpos]
            sl["inst"] = stays["inst"][vpos]
            ipt_no = stays["ipt_no"].copy()
            vid_out = stays["vid"].copy()
            if self_pay:
                ipt_no = k.take("ipt", len(stays))
                vid_out[:] = -1
                g2 = sl["vid"] * self.cats.n + sl["item"]
                u2, inv2 = np.unique(g2, return_inverse=True)
                sl["drord"] = k.take("drord", len(u2))[inv2]
            keep = sl["his"] | self_pay
            ch = sl.take(keep)
            cpos = vpos[keep]
            n = len(ch)
            out["his_charge"].append(
                Frame(
                    "his_charge",
                    dict(
                        csn=k.take("charge", n),
                        inst=ch["inst"],
                        vid=vid_out[cpos],
                        drord=ch["drord"],
                        item=ch["item"],
                        cnt=ch["cnt"],
                        pric=ch["pric"],
                        amt=ch["amt"],
                        t=ch["t"],
                    ),
                )
            )
            u3, first = np.unique(sl["drord"], return_index=True)
            tmin = np.full(len(u3), np.iinfo(np.int64).max)
            tmax = np.zeros(len(u3), np.int64)
            oi = np.searchsorted(u3, sl["drord"])
            np.minimum.at(tmin, oi, sl["t"])
            np.maximum.at(tmax, oi, sl["t"])
            days = (tmax // DAY) - (tmin // DAY)
            opos = vpos[first]
            out["his_order"].append(
                Frame(
                    "his_order",
                    dict(
                        drord=u3,
                        inst=sl["inst"][first],
                        ipt_no=ipt_no[opos],
                        vid=vid_out[opos],
                        otype=np.where(days >= 1, 1, 2),
                        item=sl["item"][first],
                        start=tmin,
                        stop=tmax,
                        dr=stays["dr"][opos],
                    ),
                )
            )
            m = len(stays)
            out["his_reg"].append(
                Frame(
                    "his_reg",
                    dict(
                        ipt_no=ipt_no,
                        inst=stays["inst"],
                        vid=vid_out,
                        adm=stays["begn"],
                        dscg=stays["end"],
                        dept=stays["dept"],
                        bed=rng.integers(1, 60, m),
                        dx_adm=stays["dx"],
                        dx=stays["dx"],
                        dr=stays["dr"],
                    ),
                )
            )
        if extra:
            ev = np.array([e[0] for e in extra])
            eitem = np.array([e[3] for e in extra])
            lk = dict(
                zip(
                    (lines["vid"][il] * self.cats.n + lines["item"][il]).tolist(),
                    lines["drord"][il].tolist(),
                    strict=False,
                )
            )
            dr_ = np.array([lk.get(int(v) * self.cats.n + int(i), -1) for v, i in zip(ev, eitem, strict=True)])
            et = np.array([e[2] for e in extra])
            ecnt = np.array([e[4] for e in extra])
            pric = self.cats.price_at(eitem, et // DAY)
            out["his_charge"].append(
                Frame(
                    "his_charge",
                    dict(
                        csn=k.take("charge", len(extra)),
                        inst=np.array([e[1] for e in extra]),
                        vid=ev,
                        drord=dr_,
                        item=eitem,
                        cnt=ecnt,
                        pric=pric,
                        amt=_amount(ecnt, pric),
                        t=et,
                    ),
                )
            )
        return {name: Frame.cat(name, frames) for name, frames in out.items()}

    # ------------------------------------------------------------------ accounting and routing
    def account(self, g: int, lines: Frame, sales: Frame) -> None:
        C, W = self.cats, self.world
        not_ph = W.kind[lines["inst"]] != "pharm"
        for f, m in ((lines, not_ph & C.stock[lines["item"]]), (sales, C.stock[sales["item"]])):
            at = (f["inst"][m], f["item"][m], self.months_of(f["t"][m]))
            np.add.at(self.sold, at, f["cnt"][m])
            np.add.at(self.sold_gross, at, np.maximum(f["cnt"][m], 0))
        m = C.watch[lines["item"]]
        np.add.at(self.watch_amt[:, :, g], (lines["inst"][m], lines["item"][m]), lines["amt"][m])

    def _push(self, name: str, frame: Frame, months: np.ndarray) -> None:
        if not len(frame):
            return
        if (months < 0).any() or (months >= self.window.months).any():
            raise AssertionError(f"{name}: rows outside the window")
        for k in np.unique(months):
            self.pending[int(k)][name].append(frame.take(months == k))

    def route(self, visits: Frame, setls: Frame, lines: Frame, sales: Frame, his: dict[str, Frame]) -> None:
        self._push("visits", visits, self.months_of(visits["setl_t"]))
        self._push("setls", setls, self.months_of(setls["t"]))
        order = np.argsort(setls["setl"])
        pos = order[np.searchsorted(setls["setl"], lines["setl"], sorter=order)]
        self._push("lines", lines, self.months_of(setls["t"][pos]))
        self._push("sales", sales, self.months_of(sales["t"]))
        if "his_charge" in his:
            self._push("his_charge", his["his_charge"], self.months_of(his["his_charge"]["t"]))
        if "his_order" in his:
            self._push("his_order", his["his_order"], self.months_of(his["his_order"]["start"]))
        if "his_reg" in his:
            r = his["his_reg"]
            ma, md = self.months_of(r["adm"]), self.months_of(r["dscg"])
            early = r.take(ma != md)
            early["dscg"] = -1
            self._push("his_reg", early, ma[ma != md])
            self._push("his_reg", r, md)

    # ================================================================== writing one period
    def _emit(self, path: Path, feed: str, n: int) -> None:
        self.summary.files.append(path)
        self.summary.rows[feed] += n

    def write_period(self, g: int) -> dict[str, int]:
        P = self.pending[g]
        frames = {
            name: Frame.cat(name, P.get(name, []))
            for name in ("visits", "setls", "lines", "sales", "his_charge", "his_order", "his_reg")
        }
        self.pending[g] = {}
        inv = self.inventory(g)
        self.write_platform(g, frames)
        self.write_his(g, frames)
        self.write_pharmacy(g, frames["sales"])
        self.write_inventory(g, inv)
        self.write_casework(g)
        self.write_reference(g)
        kb_points.write(self, g)
        return {
            "visits": len(frames["visits"]),
            "fee lines": len(frames["lines"]),
            "sale lines": len(frames["sales"]),
            "HIS charges": len(frames["his_charge"]),
        }

    # ------------------------------------------------------------------ string helpers
    def s_inst(self, idx):
        return take_str(self._str["inst"], idx)

    def s_psn(self, idx):
        return take_str(self._str["psn"], idx)

    def s_item(self, idx):
        return take_str(self._str["item"], idx)

    def s_doc(self, idx):
        return take_str(self._str["doc"], idx)

    def s_dx(self, idx):
        return take_str(self._str["dx"], idx)

    def s_medins_code(self, inst, item):
        """The institution's own catalogue code for an item."""
        return ids(inst * 10_000 + item, 8, "YN")

    # ------------------------------------------------------------------ platform (Parquet)
    def write_platform(self, g: int, f: dict[str, Frame]) -> None:
        period = self.window.period(g)
        v = f["visits"]
        v = v.take(np.argsort(v["vid"], kind="stable"))
        C = self.cats
        mask_end = v["end"] < 0
        dx_name = [cat.DIAGNOSES[c] for c in DX_CODES]
        mdtrt = {
            "mdtrt_id": ids(v["vid"], 12, "MD"),
            "psn_no": self.s_psn(v["psn"]),
            "fixmedins_code": self.s_inst(v["inst"]),
            "med_type": pa.array(v["med_type"].astype(str)),
            "begntime": timestamps(v["begn"]),
            "endtime": timestamps(v["end"], mask_end),
            "dscg_maindiag_code": self.s_dx(v["dx"]),
            "dscg_maindiag_name": take_str(dx_name, v["dx"]),
            "adm_dept_codg": take_str(DEPTS, v["dept"]),
            "atddr_code": self.s_doc(np.where(v["kind"] == 2, -1, v["dr"])),
            "dscg_way": take_str(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], v["dscg_way"]),
            "insu_admdvs": take_str(self._str["admdvs"], v["psn"]),
        }
        self._parquet("mdtrt", period, mdtrt, len(v))
        s = f["setls"]
        s = s.take(np.argsort(s["setl"], kind="stable"))
        setl = {
            "setl_id": ids(s["setl"], 12, "ST"),
            "mdtrt_id": ids(s["vid"], 12, "MD"),
            "psn_no": self.s_psn(s["psn"]),
            "fixmedins_code": self.s_inst(s["inst"]),
            "setl_time": time_text(s["t"]),
            "medfee_sumamt": decimal(s["medfee"], 2),
            "fulamt_ownpay_amt": decimal(s["fulamt"], 2),
            "inscp_amt": decimal(s["inscp"], 2),
            "hifp_pay": decimal(s["fund"], 2),
            "fund_pay_sumamt": decimal(s["fund"], 2),
            "acct_pay": decimal(s["acct"], 2),
            "psn_cash_pay": decimal(s["cash"], 2),
            "mdtrt_cert_type": ids(s["cert"], 2, ""),
            "refd_setl_flag": pa.array(s["refd"].astype(str)),
            "init_setl_id": ids(s["init"], 12, "ST"),
        }
        self._parquet("setl", period, setl, len(s))
        ln = f["lines"]
        ln = ln.take(np.argsort(ln["lid"], kind="stable"))
        day = ln["t"] // DAY
        cap = C.cap_at(ln["item"], day)
        item_names = [i.name for i in cat.ITEMS]
        fee = {
            "feedetl_sn": ids(ln["lid"], 14, "FD"),
            "mdtrt_id": ids(ln["vid"], 12, "MD"),
            "setl_id": ids(ln["setl"], 12, "ST"),
            "psn_no": self.s_psn(ln["psn"]),
            "fixmedins_code": self.s_inst(ln["inst"]),
            "fee_ocur_time": timestamps(ln["t"]),
            "hilist_code": self.s_item(ln["item"]),
            "hilist_name": take_str(item_names, ln["item"]),
            "medins_list_code": self.s_medins_code(ln["inst"], ln["item"]),
            "list_type": take_str(list(C.list_type), ln["item"]),
            "med_chrgitm_type": take_str(list(C.typ), ln["item"]),
            "cnt": decimal(ln["cnt"], 4),
            "pric": decimal(ln["pric"], 4),
            "det_item_fee_sumamt": decimal(ln["amt"], 2),
            "pric_uplmt_amt": decimal(cap, 4, mask=cap < 0),
            "bilg_dept_codg": take_str(DEPTS, ln["dept"]),
            "bilg_dr_code": self.s_doc(ln["dr"]),
            "drord_no": ids(ln["drord"], 12, "YZ"),
            "init_feedetl_sn": ids(ln["init"], 14, "FD"),
            "drug_trac_codg": ids(ln["trac"], 19, "8"),
        }
        self._parquet("fee_list", period, fee, len(ln))
        dv = v.take(v["dx"] >= 0)
        two = dv.take(dv["dx2"] >= 0)
        diag = {
            "mdtrt_id": pa.concat_arrays([ids(dv["vid"], 12, "MD"), ids(two["vid"], 12, "MD")]),
            "diag_code": pa.concat_arrays([self.s_dx(dv["dx"]), self.s_dx(two["dx2"])]),
            "diag_name": pa.concat_arrays([take_str(dx_name, dv["dx"]), take_str(dx_name, two["dx2"])]),
            "maindiag_flag": pa.array(["1"] * len(dv) + ["0"] * len(two), pa.string()),
        }
        self._parquet("setl_diag", period, diag, len(dv) + len(two))

    def _parquet(self, feed: str, period: str, cols: dict[str, pa.Array], n: int) -> None:
        chunks = max(1, -(-n // ROWS_PER_PARQUET))
        for j in range(chunks):
            lo, hi = j * ROWS_PER_PARQUET, min(n, (j + 1) * ROWS_PER_PARQUET)
            part = {c: a.slice(lo, hi - lo) for c, a in cols.items()}
            path = landing_path(self.out, feed, period, CENTRE, "parquet", j + 1 if chunks > 1 else None)
            self._emit(path, feed, write_parquet(path, part, feed))

    # ------------------------------------------------------------------ HIS (GB18030 CSV, Chinese headers)
    def write_his(self, g: int, f: dict[str, Frame]) -> None:
        period = self.window.period(g)
        item_names = [i.name for i in cat.ITEMS]
        for inst in self.world.insts:
            if not inst.his:
                continue
            r = f["his_reg"].take(f["his_reg"]["inst"] == inst.idx)
            r = r.take(np.lexsort((r["dscg"], r["ipt_no"])))
            reg = {
                "ipt_no": ids(r["ipt_no"], 8, "ZY"),
                "fixmedins_code": self.s_inst(r["inst"]),
                "mdtrt_id": ids(r["vid"], 12, "MD"),
                "adm_time": time_text(r["adm"]),
                "dscg_time": time_text(r["dscg"], r["dscg"] < 0),
                "adm_dept": take_str(DEPTS, r["dept"]),
                "bed_no": ids(r["bed"], 3, f"{inst.role or 'B'}-"),
                "adm_diag_code": self.s_dx(r["dx_adm"]),
                "dscg_diag_code": self.s_dx(np.where(r["dscg"] < 0, -1, r["dx"])),
                "atddr_code": self.s_doc(r["dr"]),
            }
            self._his_file("his_ipt_register", period, inst, reg)
            o = f["his_order"].take(f["his_order"]["inst"] == inst.idx)
            o = o.take(np.argsort(o["drord"], kind="stable"))
            order = {
                "drord_no": ids(o["drord"], 12, "YZ"),
                "fixmedins_code": self.s_inst(o["inst"]),
                "ipt_no": ids(o["ipt_no"], 8, "ZY"),
                "mdtrt_id": ids(o["vid"], 12, "MD"),
                "order_type": pa.array(o["otype"].astype(str)),
                "hilist_code": self.s_item(o["item"]),
                "medins_list_code": self.s_medins_code(o["inst"], o["item"]),
                "item_name": take_str(item_names, o["item"]),
                "start_time": time_text(o["start"]),
                "stop_time": time_text(o["stop"]),
                "dr_code": self.s_doc(o["dr"]),
            }
            self._his_file("his_order", period, inst, order)
            c = f["his_charge"].take(f["his_charge"]["inst"] == inst.idx)
            c = c.take(np.argsort(c["csn"], kind="stable"))
            charge = {
                "charge_sn": ids(c["csn"], 12, "SF"),
                "fixmedins_code": self.s_inst(c["inst"]),
                "mdtrt_id": ids(c["vid"], 12, "MD"),
                "drord_no": ids(c["drord"], 12, "YZ"),
                "hilist_code": self.s_item(c["item"]),
                "medins_list_code": self.s_medins_code(c["inst"], c["item"]),
                "cnt": fixed(c["cnt"], 4, 4, strip=True),
                "pric": fixed(c["pric"], 4, 4, strip=True),
                "amount": fixed(c["amt"], 2, 2),
                "charge_time": time_text(c["t"]),
            }
            self._his_file("his_charge", period, inst, charge)

    def _his_file(self, feed: str, period: str, inst, cols: dict[str, pa.Array]) -> None:
        if not len(next(iter(cols.values()))):
            return  # nothing this month: no file (identical header-only files would be duplicates)
        path = landing_path(self.out, feed, period, inst.code, "csv")
        self._emit(path, feed, write_csv(path, cols, feed, style="labels", encoding="gb18030", crlf=True))

    # ------------------------------------------------------------------ pharmacy + 进销存 (UTF-8 with BOM)
    def _style(self, inst) -> tuple[str, bool]:
        """Header style per institution: Chinese labels, field codes, or codes in a shuffled order."""
        return [("labels", False), ("codes", False), ("labels", True), ("codes", True)][inst.idx % 4]

    def _bom_file(self, feed: str, period: str, inst, cols: dict[str, pa.Array]) -> None:
        if not len(next(iter(cols.values()))):
            return
        style, shuffle = self._style(inst)
        order = None
        if shuffle:
            n = len(FEEDS[feed].fields)
            order = list(np.random.default_rng(inst.idx * 31 + len(feed)).permutation(n))
        path = landing_path(self.out, feed, period, inst.code, "csv")
        self._emit(path, feed, write_csv(path, cols, feed, style=style, encoding="utf-8-sig", order=order))

    def delivers(self, inst, g: int) -> bool:
        if inst.opened_day is not None:
            return False
        first = self.window.month_first(g)
        return not any(inst.fallback >= 0 and b <= first and e >= 10**6 for b, e in inst.blocked)

    def write_pharmacy(self, g: int, s: Frame) -> None:
        period = self.window.period(g)
        for inst in self.world.insts:
            if inst.kind != "pharm" or not self.delivers(inst, g):
                continue
            x = s.take(s["inst"] == inst.idx)
            x = x.take(np.argsort(x["sid"], kind="stable"))
            setl_of = self._setl_by_vid(x["vid"], g)
            cols = {
                "sale_sn": ids(x["sid"], 12, "XS"),
                "fixmedins_code": self.s_inst(x["inst"]),
                "setl_id": ids(setl_of, 12, "ST"),
                "psn_no": self.s_psn(x["psn"]),
                "sel_time": time_text(x["t"]),
                "med_list_codg": self.s_item(x["item"]),
                "fixmedins_hilist_id": self.s_medins_code(x["inst"], x["item"]),
                "fixmedins_bchno": ids(self.last_batch[x["inst"], x["item"]], 10, ""),
                "cnt": fixed(x["cnt"], 4, 4, strip=True),
                "finl_trns_pric": fixed(x["pric"], 4, 4, strip=True),
                "rx_flag": pa.array(x["rx"].astype(str)),
                "rxno": ids(x["rxno"], 10, "CF"),
                "prsc_dr_code": self.s_doc(x["dr"]),
                "drug_trac_codg": ids(x["trac"], 19, "8"),
                "retn_flag": pa.array(x["retn"].astype(str)),
                "init_sale_sn": ids(x["init"], 12, "XS"),
            }
            self._bom_file("phar_sale", period, inst, cols)

    def _setl_by_vid(self, vid: np.ndarray, g: int) -> np.ndarray:
        """Settlement id of each sale's visit (settled pharmacy visits have exactly one settlement)."""
        out = np.full(len(vid), -1, np.int64)
        m = vid >= 0
        if m.any():
            # visits and settlements are numbered together per generation month: look them up
            out[m] = np.array([self.setl_of_visit[int(v)] for v in vid[m]])
        return out

    # ------------------------------------------------------------------ inventory
    def inventory(self, g: int) -> dict[str, dict[int, dict]]:
        C, W, rng = self.cats, self.world, self.rng
        sold = self.sold[:, :, g]
        gross = self.sold_gross[:, :, g]
        opening = self.stock.copy()
        plan_mask = np.zeros_like(sold, dtype=bool)
        p_purch = np.zeros_like(sold)
        p_trans = np.zeros_like(sold)
        for (i, t), months in self.cases.inv_plan.items():
            plan_mask[i, t] = True
            if g in months:
                p_purch[i, t], p_trans[i, t] = months[g]
        active = (sold != 0) | (opening != 0) | plan_mask
        unit = np.where(C.list_type == "101", C.pack, np.where(C.list_type == "102", 500 * cat.P4, cat.P4))
        U = unit[None, :].repeat(W.n_inst, axis=0)
        selling = (gross > 0) & ~plan_mask
        u = rng.random(sold.shape)
        chg_type = np.where(selling & (u < 0.04), rng.integers(1, 6, sold.shape), 0)
        sign = np.select(
            [chg_type == 1, chg_type == 2, chg_type == 3, chg_type == 4, chg_type == 5], [-1, 1, -1, 1, -1], 0
        )
        chg = sign * U
        ret = np.where(selling & (rng.random(sold.shape) < 0.03), U, 0)
        buffer = -(-np.ceil(0.25 * gross).astype(np.int64) // U) * U
        buffer = np.maximum(buffer, U)
        # purchases cover the gross quantity sold (refunded units come back to stock afterwards), so the
        # background satisfies R16 whether sales are counted net of refunds or not
        need = gross - opening - chg + ret
        purchase = np.where(selling, -(-np.maximum(need, 0) // U) * U + buffer, 0)
        purchase = np.where(plan_mask, p_purch, purchase)
        chg = np.where(plan_mask, p_trans, chg)
        chg_type = np.where(plan_mask, np.where(p_trans > 0, 4, 0), chg_type)
        ret = np.where(plan_mask, 0, ret)
        closing = opening + purchase - ret + chg - sold
        if (closing[~plan_mask] < 0).any():
            raise AssertionError("background inventory would go negative")
        closing = np.maximum(closing, 0)
        active |= (gross != 0) | (purchase != 0) | (closing != 0) | (chg != 0)
        if not (chg_type > 0).any():
            # every month has at least one stock change: a 盘盈 of one unit where the stock is largest
            cand = np.where(plan_mask | ~C.stock[None, :], -1, closing)
            cand[[i.idx for i in W.insts if not self.delivers(i, g)]] = -1
            i, t = np.unravel_index(int(np.argmax(cand)), cand.shape)
            chg_type[i, t], chg[i, t] = 2, U[i, t]
            closing[i, t] += U[i, t]
            active[i, t] = True
        self.stock = closing
        batch = int(self.window.period(g)) * 10_000
        self.last_batch = np.where((purchase > 0) | (chg_type == 4), batch + np.arange(C.n)[None, :], self.last_batch)
        return dict(active=active, purchase=purchase, ret=ret, chg=chg, chg_type=chg_type, closing=closing)

    def write_inventory(self, g: int, inv: dict) -> None:
        C, W = self.cats, self.world
        period = self.window.period(g)
        first = self.window.month_first(g)
        last = first + self.window.month_days(g) - 1
        rng = np.random.default_rng(self.seed * 1000 + g)
        for inst in W.insts:
            if not self.delivers(inst, g):
                continue
            i = inst.idx
            items = np.nonzero(inv["purchase"][i] > 0)[0]
            rets = np.nonzero(inv["ret"][i] > 0)[0]
            n, m = len(items), len(rets)
            it = np.r_[items, rets]
            cnt = np.r_[inv["purchase"][i][items], -inv["ret"][i][rets]]
            # receipts are booked at 00:01 on the 1st (before any sale, also at 24-hour pharmacies)
            t = np.r_[first * DAY + 60 + np.arange(n) % 240, (first + 14) * DAY + 10 * 3600 + np.arange(m)]
            sn = self.counters.take("purc", n + m)
            price = (C.price[it] * 0.85).astype(np.int64)
            inst_arr = np.full(n + m, i)
            purc = {
                "purc_sn": ids(sn, 10, "CG"),
                "fixmedins_code": self.s_inst(inst_arr),
                "med_list_codg": self.s_item(it),
                "fixmedins_hilist_id": self.s_medins_code(inst_arr, it),
                "fixmedins_bchno": ids(self.last_batch[i][it], 10, ""),
                "spler_name": take_str(
                    SUPPLIERS,
                    np.select(
                        [C.list_type[it] == "102", C.list_type[it] == "301"],
                        [4, 2],
                        np.array([0, 1, 3])[it % 3],
                    ),
                ),
                "manu_lotnum": ids(rng.integers(10_000, 99_999, n + m) + int(period[2:]) * 100_000, 9, "L"),
                "cnt": fixed(cnt, 4, 4, strip=True),
                "finl_trns_pric": fixed(price, 4, 4, strip=True),
                "purc_invo_no": ids(rng.integers(10_000_000, 99_999_999, n + m), 8, ""),
                "purc_time": time_text(t),
                "retn_flag": pa.array(["0"] * n + ["1"] * m, pa.string()),
            }
            self._bom_file("inv_purchase", period, inst, purc)
            ch = np.nonzero(inv["chg_type"][i] > 0)[0]
            ctype = inv["chg_type"][i][ch]
            inflow = np.isin(ctype, [2, 4])
            tt = np.where(inflow, first * DAY + 360, (first + 19) * DAY + 18 * 3600) + np.arange(len(ch)) % 240
            chg = {
                "fixmedins_code": self.s_inst(np.full(len(ch), i)),
                "med_list_codg": self.s_item(ch),
                "inv_chg_type": pa.array(ctype.astype(str)),
                "cnt": fixed(inv["chg"][i][ch], 4, 4, strip=True),
                "inv_chg_time": time_text(tt),
            }
            self._bom_file("inv_change", period, inst, chg)
            st = np.nonzero(inv["active"][i] & C.stock)[0]
            take = {
                "fixmedins_code": self.s_inst(np.full(len(st), i)),
                "med_list_codg": self.s_item(st),
                "invdate": date_text(np.full(len(st), last)),
                "inv_cnt": fixed(inv["closing"][i][st], 4, 4, strip=True),
                "fixmedins_bchno": ids(self.last_batch[i][st], 10, ""),
            }
            self._bom_file("inv_stocktake", period, inst, take)

    # ------------------------------------------------------------------ casework (.xlsx)
    def plan_stages(self) -> list[list[tuple]]:
        """The case_clue rows of each month: handling stages of clues the warehouse will raise.

        A clue is an institution × calendar quarter with hits. Stages are planned for the clues of the
        injected hits whose amounts the cases know (``Cases.floors``) and for the 要情 clue: 初审 a few
        days after the month whose data show the clue (the 要情 clue's within the 5 working days of seed
        001), 复审 two weeks later, then 违规处理 with a confirmed amount of 50–90 % of the known amount,
        or 排除 for every third clue. Stages dated after the window are not delivered yet. Deliberately
        unmatched: the two stages of ``CL-<H1>-<quarter before the window>`` (a clue of the year before,
        listed by the warehouse as outside its data)."""
        W = self.window
        stages: list[list[tuple]] = [[] for _ in range(W.months)]

        def clue(inst: int, day: int) -> tuple[str, int]:
            d = date_of(day)
            q = (d.month - 1) // 3 + 1
            nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
            return f"CL-{self.world.insts[inst].code}-{d.year}Q{q}", day_of(nxt)

        def put(day: int, cid: str, stage: str, amt, who: str) -> None:
            if W.first_day <= day <= W.last_day:
                stages[self._month(day)].append((day, cid, stage, amt, who))

        floors: dict[str, list] = {}
        for inst, day, cents in self.cases.floors:
            cid, detected = clue(inst, day)
            f = floors.setdefault(cid, [0, detected])
            f[0] += cents
            f[1] = max(f[1], detected)
        major = None
        if self.cases.major is not None:
            inst, _, k = self.cases.major
            major, detected = clue(inst, W.month_first(k))
            # initial report within 5 working days; investigation; sanction with 80 % of the R21 amount
            put(detected + 2, major, "1", None, HANDLERS[0])
            put(detected + 16, major, "2", None, HANDLERS[0])
            put(detected + 35, major, "4", None, HANDLERS[0])
            put(detected + 70, major, "5", ("major", floors.get(major, [0])[0]), HANDLERS[0])
        for j, (cid, (cents, detected)) in enumerate(sorted(floors.items())):
            if cid == major:
                continue
            who = HANDLERS[(j + 1) % len(HANDLERS)]
            d1 = detected + 3 + j % 5
            d2 = d1 + 12 + j % 6
            put(d1, cid, "1", None, who)
            put(d2, cid, "2", None, who)
            if j % 3 == 2:
                put(d2 + 20 + j % 10, cid, "9", None, who)
            else:
                put(d2 + 20 + j % 10, cid, "5", cents * (50 + 10 * (j % 5)) // 100, who)
        # deliberately unmatched: a clue of the quarter before the window (the year before)
        m0 = W.start_y * 12 + W.start_m - 1
        q_prev = m0 // 3 - 1
        prev = f"CL-{self.world.role('H1').code}-{q_prev // 4}Q{q_prev % 4 + 1}"
        put(W.first_day + 7, prev, "2", None, HANDLERS[1])
        put(W.first_day + 20, prev, "9", None, HANDLERS[1])
        return [sorted(rows) for rows in stages]

    def _confirmed(self, amt) -> float | None:
        """Yuan: a planned amount in cents, or for the 要情 clue 80 % of its R21 amount (the month's amount
        less the trailing three-month average) plus the known amounts of its other hits."""
        if amt is None:
            return None
        if isinstance(amt, tuple):
            i, t, k = self.cases.major
            month = int(self.watch_amt[i, t, k])
            trailing = int(self.watch_amt[i, t, max(0, k - 3) : k].sum())
            amt = (month - trailing // 3) * 80 // 100 + amt[1]
        return round(amt / 100, 2)

    def _hit_reviews(self) -> list[list]:
        """The case_hit_review rows, delivered with the window's last month (earlier months deliver a
        header-only workbook): the injected R05 hits (hit_id = md5 of ``R05|<mdtrt_id>``, the dbt macro
        hit_id) reviewed on the window's last day — every other one excluded (3), the others partly
        confirmed (2, 100.00 yuan) — and one review of a hit id no hit has (deliberately unmatched)."""
        day = date_of(self.window.last_day)
        visits = sorted(
            {self._resolve("mdtrt_id", tr.keys["mdtrt_id"]) for tr in self.cases.truth if tr.rule == "R05" and tr.hit}
        )
        rows = []
        for j, mdtrt_id in enumerate(visits):
            hit_id = hashlib.md5(f"R05|{mdtrt_id}".encode()).hexdigest()
            who = HANDLERS[j % len(HANDLERS)]
            if j % 2:
                rows.append([hit_id, day, "3", None, who, "病情需要，不予认定"])
            else:
                rows.append([hit_id, day, "2", 100.0, who, "部分费用违规"])
        rows.append(["0" * 32, day, "1", 100.0, HANDLERS[0], "疑点编号抄错"])
        return rows

    def write_casework(self, g: int) -> None:
        W = self.world
        period = self.window.period(g)
        rng = np.random.default_rng(self.seed * 7919 + g)
        first = self.window.month_first(g)
        nd = self.window.month_days(g)
        insts = [i for i in W.insts if self.delivers(i, g)]
        rows = []
        for j in range(2 + W.inst_mult):
            inst = insts[int(rng.integers(len(insts)))]
            prob = rng.random() < 0.35
            refused = round(float(rng.integers(500, 50_000)) + 0.5 * int(rng.integers(0, 2)), 2) if prob else None
            rows.append(
                [
                    f"JC{period}{j + 1:03d}",
                    inst.code,
                    date_of(first + int(rng.integers(0, nd))),
                    str(int(rng.integers(1, 5))),
                    "1" if prob else "0",
                    refused,
                    round(refused * 0.8, 2) if prob else None,
                    round(refused * 0.5, 2) if prob and rng.random() < 0.4 else None,
                    ("1;4" if rng.random() < 0.3 else "1") if prob else "",
                ]
            )
        self._xlsx("case_inspection", period, rows, "labels", "检查记录")
        rows = [[cid, st, date_of(day), self._confirmed(amt), who] for day, cid, st, amt, who in self.stages[g]]
        self._xlsx("case_clue", period, rows, "codes", "线索处置")
        rows = self._hit_reviews() if g == self.window.months - 1 else []
        self._xlsx("case_hit_review", period, rows, "codes", "疑点明细复核")
        rows = []
        for j in range(1 + int(rng.integers(0, 3))):
            inst = insts[int(rng.integers(len(insts)))]
            recv = first + int(rng.integers(0, nd))
            ver = rng.random() < 0.4
            paid = recv + int(rng.integers(10, 40))
            rows.append(
                [
                    f"JB{period}{j + 1:02d}",
                    date_of(recv),
                    inst.code if rng.random() < 0.85 else "",
                    "1" if ver else "0",
                    round(float(rng.integers(2, 50)) * 100, 2) if ver else None,
                    date_of(paid) if ver and paid <= self.window.last_day else None,
                ]
            )
        self._xlsx("case_tipoff", period, rows, "labels", "举报")

    def _xlsx(self, feed: str, period: str, rows: list, style: str, sheet: str) -> None:
        path = landing_path(self.out, feed, period, CENTRE, "xlsx")
        self._emit(path, feed, write_xlsx(path, feed, rows, style, sheet))

    # ------------------------------------------------------------------ reference snapshots (UTF-8 CSV)
    def write_reference(self, g: int) -> None:
        """The month's full reference snapshots, as of its last day: every change shows from the
        snapshot of the month it happens in (an agreement row from its start, a death from its day, a
        new catalogue row from the month it takes effect)."""
        W, C = self.world, self.cats
        period = self.window.period(g)
        as_of = self.window.month_first(g + 1) - 1
        insts = [i for i in W.insts if i.opened_day is None or i.opened_day <= as_of]
        hh = [i.hhmm for i in insts]
        cols = {
            "fixmedins_code": pa.array([i.code for i in insts]),
            "fixmedins_name": pa.array([i.name for i in insts]),
            "fixmedins_type": pa.array([i.fixmedins_type for i in insts]),
            "hosp_lv": pa.array([str(i.hosp_lv) if i.kind == "hosp" else None for i in insts], pa.string()),
            "econ_type": pa.array([i.econ for i in insts]),
            "admdvs": pa.array([i.admdvs for i in insts]),
            "uscc": pa.array([i.uscc for i in insts]),
            "open_time": pa.array([h[0] or None for h in hh], pa.string()),
            "close_time": pa.array([h[1] or None for h in hh], pa.string()),
        }
        self._ref("fixmedins", period, cols)
        ags = [a for a in W.agreements if a.added_day is None or a.added_day <= as_of]
        cols = {
            "fixmedins_code": pa.array([W.insts[a.inst].code for a in ags]),
            "agreement_no": pa.array([a.no for a in ags]),
            "begndate": date_text(np.array([a.begn for a in ags])),
            "enddate": date_text(np.array([a.end for a in ags])),
            "agreement_status": pa.array([a.status for a in ags]),
        }
        self._ref("fixmedins_agreement", period, cols)
        idx = np.nonzero(W.enrolled <= as_of)[0]
        die = W.die[idx]
        cols = {
            "psn_no": take_str(self.ident["psn_no"], idx),
            "certno": take_str(self.ident["certno"], idx),
            "psn_name": take_str(self.ident["psn_name"], idx),
            "gend": pa.array(W.gend[idx].astype(str)),
            "brdy": date_text(W.brdy[idx]),
            "insutype": pa.array(W.insutype[idx].astype(str)),
            "insu_admdvs": pa.array(W.admdvs_code[idx].astype(str)),
            "die_date": date_text(die, die > as_of),
            "tel": take_str(self.ident["tel"], idx),
        }
        self._ref("psn", period, cols)
        rows = []
        old_from = f"{self.window.start_y - 1}-01-01"
        chg = date_of(C.change_day)
        for it in cat.ITEMS:
            base = [it.code, it.name, it.list_type, it.lv, it.typ]
            restr = [
                it.gend,
                _i(it.age_min),
                _i(it.age_max),
                it.dise,
                _i(it.hosp_lv_min),
                "1" if it.ipt_only else "",
                _num(it.max_daily),
                _num(it.upd),
            ]
            if it.new_price is None:
                rows.append(base + [_num(it.cap)] + restr + ["", ""])
            elif C.change_day > as_of:
                rows.append(base + [_num(it.cap)] + restr + [old_from, ""])
            else:
                rows.append(base + [_num(it.cap)] + restr + [old_from, (chg - dt.timedelta(days=1)).isoformat()])
                rows.append(base + [_num(it.new_cap)] + restr + [chg.isoformat(), ""])
        names = FEEDS["hilist"].codes
        cols = {c: pa.array([r[j] or None for r in rows], pa.string()) for j, c in enumerate(names)}
        self._ref("hilist", period, cols)
        pr = [p for p in W.pracs if not getattr(p, "ghost", False) and (p.added_day is None or p.added_day <= as_of)]
        cols = {
            "dr_code": pa.array([p.code for p in pr]),
            "dr_name": pa.array([p.name for p in pr]),
            "fixmedins_code": pa.array([W.insts[p.inst].code for p in pr]),
            "cert_status": pa.array([p.cert_status for p in pr]),
            "valid_from": pa.array(
                [date_of(p.valid_from).isoformat() if p.valid_from is not None else None for p in pr],
                pa.string(),
            ),
            "valid_to": pa.array(
                [date_of(p.valid_to).isoformat() if p.valid_to is not None else None for p in pr], pa.string()
            ),
        }
        self._ref("practitioner", period, cols)

    def _ref(self, feed: str, period: str, cols: dict[str, pa.Array]) -> None:
        path = landing_path(self.out, feed, period, CENTRE, "csv")
        self._emit(path, feed, write_csv(path, cols, feed, style="codes", encoding="utf-8"))

    # ------------------------------------------------------------------ ground truth
    def write_truth(self) -> None:
        rows = []
        for tr in self.cases.truth:
            r = dict.fromkeys(TRUTH_COLUMNS, "")
            r.update(rule_code=tr.rule, expect_hit=str(tr.hit), case_id=tr.case_id, note=tr.note)
            for k, v in tr.keys.items():
                r[k] = self._resolve(k, v)
            rows.append(r)
        self.truth_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.truth_path, "w", encoding="utf-8", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=TRUTH_COLUMNS, lineterminator="\n")
            wr.writeheader()
            wr.writerows(rows)
        self.summary.truth_rows = len(rows)

    def _resolve(self, key: str, v) -> str:
        if isinstance(v, str):
            return v
        if key == "mdtrt_id":
            return f"MD{v.vid:012d}"
        if key == "setl_id":
            return f"ST{v.setl:012d}"
        if key == "feedetl_sn":
            return f"FD{v.lid:014d}"
        if key == "sale_sn":
            return f"XS{v.sid:012d}"
        if key == "psn_no":
            return str(self.ident["psn_no"][v])
        raise TypeError(f"cannot resolve {key}={v!r}")


def _i(x) -> str:
    return "" if x is None else str(int(x))


def _num(x) -> str:
    if x is None:
        return ""
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return s


def generate(
    out: Path,
    seed: int = 7,
    scale: float = 1.0,
    start: str = "2025-01",
    months: int = 12,
    truth: Path | None = None,
    log: Callable[[str], None] | None = print,
    overwrite: bool = False,
) -> Summary:
    """Write a landing tree under ``out`` and the ground truth (default ``<out>/../ground_truth.csv``).

    Deterministic: the same arguments give byte-identical files. Refuses a non-empty ``out`` unless
    ``overwrite`` (which removes only the feed folders an earlier run wrote)."""
    out = Path(out)
    if overwrite and out.exists():
        for name in FEEDS:
            if (out / name).is_dir():
                shutil.rmtree(out / name)
    gen = Generator(out, seed, scale, start, months, truth, log or (lambda s: None))
    summary = gen.run()
    if log:
        log(summary.line())
    return summary


__all__ = ["Summary", "generate"]
