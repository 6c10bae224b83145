"""Background activity of one month, vectorised: inpatient stays, outpatient visits, pharmacy sales.

The background is clean for every rule by construction (see the module docstring of
``synthetic``): persons act on fixed "slot" days at least 8 days apart, inpatient-prone persons
are admitted at most once a quarter, restricted items only appear in profiles that satisfy them,
supply per purchase is bounded, and every stay day carries a treatment line.
"""

from __future__ import annotations

import numpy as np

from . import catalogue as cat
from .frame import Counters, Frame
from .util import DAY
from .world import World

DX_CODES = list(cat.DIAGNOSES)
DX_INDEX = {c: i for i, c in enumerate(DX_CODES)}
DEPTS = ["A03", "A04", "A05", "A07", "A50", "A02"]
DEPT_NAMES = {
    "A03": "内科",
    "A04": "外科",
    "A05": "妇产科",
    "A07": "儿科",
    "A50": "中医科",
    "A02": "全科医疗科",
}
DEPT_INDEX = {c: i for i, c in enumerate(DEPTS)}


class CatArrays:
    """The catalogue as numpy arrays (prices and counts in 1/10000)."""

    def __init__(self, change_day: int, watch: set[str]):
        items = cat.ITEMS
        self.n = len(items)
        self.code = [i.code for i in items]
        self.price = np.array([cat.q4(i.price) for i in items])
        self.new_price = np.array([cat.q4(i.new_price if i.new_price is not None else i.price) for i in items])
        self.cap = np.array([cat.q4(i.cap) if i.cap is not None else -1 for i in items])
        self.new_cap = np.array(
            [
                cat.q4(i.new_cap) if i.new_cap is not None else (cat.q4(i.cap) if i.cap is not None else -1)
                for i in items
            ]
        )
        self.has_change = np.array([i.new_price is not None for i in items])
        self.change_day = change_day
        self.list_type = np.array([i.list_type for i in items])
        self.typ = np.array([i.typ for i in items])
        self.lv = np.array([i.lv for i in items])
        self.upd = np.array([cat.q4(i.upd) if i.upd else 0 for i in items])
        self.pack = np.array([cat.q4(i.pack) for i in items])
        self.packs = np.array([i.packs for i in items])
        self.traced = np.array([i.traced for i in items])
        self.stock = np.array([i.is_stock for i in items])
        self.watch = np.array([i.code in watch for i in items])
        self.otc = np.array([i.otc for i in items])

    def price_at(self, item: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.where(self.has_change[item] & (day >= self.change_day), self.new_price[item], self.price[item])

    def cap_at(self, item: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.where(self.has_change[item] & (day >= self.change_day), self.new_cap[item], self.cap[item])


def idx_of(codes) -> np.ndarray:
    return np.array([cat.BY_CODE[c].idx for c in codes], dtype=np.int64)


def choose_rows(rng: np.random.Generator, weights: np.ndarray, elig: np.ndarray) -> np.ndarray:
    """One column per row with probability ∝ weights among eligible columns; -1 when none is eligible."""
    w = elig * weights[None, :]
    tot = w.sum(axis=1)
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(w)) * tot
    k = (cum < u[:, None]).sum(axis=1)
    return np.where(tot > 0, np.minimum(k, w.shape[1] - 1), -1)


def choose_items(rng: np.random.Generator, pool: cat.Pool, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, len(pool)) items in random order and a mask of the first m (kmin..kmax) per row."""
    codes = idx_of(pool.codes)
    m = rng.integers(pool.kmin, pool.kmax + 1, n)
    order = np.argsort(rng.random((n, len(codes))), axis=1)
    return codes[order], np.arange(len(codes))[None, :] < m[:, None]


class Background:
    def __init__(self, world: World, cats: CatArrays, counters: Counters, rng: np.random.Generator):
        self.w = world
        self.c = cats
        self.k = counters
        self.rng = rng
        self.ipt_weights = np.array([p.weight for p in cat.IPT_PROFILES])
        self.op_weights = np.array([p.weight for p in cat.OP_PROFILES])
        hosp = [i for i in world.insts if i.kind == "hosp" and i.opened_day is None]
        self.hosp_by_lv = {lv: np.array([i.idx for i in hosp if i.hosp_lv >= lv]) for lv in (0, 1, 2, 3)}
        self.pharmacies = np.array([i.idx for i in world.insts if i.kind == "pharm" and i.opened_day is None])
        self.ph_acute = idx_of(cat.PHARMACY_ACUTE)
        self.ph_cash = idx_of(cat.PHARMACY_CASH)
        self.ph_ok = np.zeros(cats.n, bool)
        self.ph_ok[idx_of(cat.PHARMACY_CHRONIC)] = True

    # ------------------------------------------------------------------ helpers
    def pick_doc(self, inst: np.ndarray) -> np.ndarray:
        out = np.full(len(inst), -1, np.int64)
        for i in np.unique(inst):
            m = inst == i
            docs = self.w.docs_of[int(i)]
            out[m] = docs[self.rng.integers(0, len(docs), m.sum())]
        return out

    def pick_hosp(self, home: np.ndarray, lv_need: np.ndarray, p_home: float = 0.7) -> np.ndarray:
        out = np.full(len(home), -1, np.int64)
        for lv in np.unique(lv_need):
            m = lv_need == lv
            cand = self.hosp_by_lv[int(lv)]
            wts = self.w.weight[cand]
            out[m] = cand[self.rng.choice(len(cand), m.sum(), p=wts / wts.sum())]
        use_home = (self.w.hosp_lv[home] >= lv_need) & (self.rng.random(len(home)) < p_home)
        return np.where(use_home, home, out)

    def unblock(self, inst: np.ndarray, day: np.ndarray) -> np.ndarray:
        inst = inst.copy()
        for i in self.w.insts:
            for b, e in i.blocked:
                m = (inst == i.idx) & (day >= b) & (day <= e)
                inst[m] = i.fallback
        return inst

    def cert(self, n: int, pharmacy: bool = False) -> np.ndarray:
        if pharmacy:
            return np.where(self.rng.random(n) < 0.6, 1, 3)
        return self.rng.choice([1, 2, 3], n, p=[0.5, 0.1, 0.4])

    # ------------------------------------------------------------------ inpatient stays
    def stays(self, g: int) -> tuple[Frame, Frame]:
        W, rng = self.w, self.rng
        win = W.window
        F = win.month_first(g)
        n = W.n_background
        ok = (W.cohort[:n] == 2) & (W.ipt_r[:n] == g % 3) & (W.enrolled[:n] <= F) & (rng.random(n) < 0.8)
        psn = np.nonzero(ok)[0]
        adm = F + W.slot[psn] - 1 + rng.integers(0, 3, len(psn))
        keep = (W.die[psn] > adm + 1) & (adm < win.last_day - 1)
        psn, adm = psn[keep], adm[keep]
        profs = cat.IPT_PROFILES
        k = choose_rows(rng, self.ipt_weights, W.eligible_profiles(profs, psn, adm, margin=1))
        keep = k >= 0
        psn, adm, k = psn[keep], adm[keep], k[keep]
        lo = np.array([p.los[0] for p in profs])[k]
        hi = np.array([p.los[1] for p in profs])[k]
        los = rng.integers(lo, hi + 1)
        dscg = np.minimum(adm + los, win.last_day)
        way = np.ones(len(psn), np.int64)
        die = W.die[psn]
        dies = die <= dscg
        dscg = np.where(dies, die, dscg)
        way[dies] = 5
        mortal = np.isin(
            k,
            [
                i
                for i, p in enumerate(profs)
                if p.key in ("ipt_stroke", "ipt_hf", "ipt_pneumonia_severe", "ipt_lung_ca", "ipt_copd")
            ],
        )
        u = rng.random(len(psn))
        extra_death = (~dies) & mortal & (u < 0.02)
        way[extra_death] = 5
        W.die[psn[extra_death]] = dscg[extra_death]
        way[(way == 1) & (u > 0.97)] = 2
        way[(way == 1) & (u > 0.96) & (u <= 0.97)] = 9
        los = dscg - adm
        keep = los >= 1
        psn, adm, dscg, k, way, los = psn[keep], adm[keep], dscg[keep], k[keep], way[keep], los[keep]
        lv_need = np.maximum(1, np.array([p.lv_min for p in profs])[k])
        inst = self.unblock(self.pick_hosp(W.home_h[psn], lv_need), adm)
        W.busy_from[psn] = adm
        W.busy_to[psn] = dscg
        m = len(psn)
        adm_t = adm * DAY + 8 * 3600 + rng.integers(0, 9 * 3600, m)
        dscg_t = dscg * DAY + 9 * 3600 + rng.integers(0, 3 * 3600, m)
        vid = self.k.take("visit", m)
        dr = self.pick_doc(inst)
        dx = np.array([DX_INDEX[p.dx] for p in profs])[k]
        dept = np.array([DEPT_INDEX[p.dept] for p in profs])[k]
        age50 = (adm - W.brdy[psn]) > 50 * 365
        dx2 = np.where(age50 & (rng.random(m) < 0.3) & (dx != DX_INDEX["I10.x00"]), DX_INDEX["I10.x00"], -1)
        his = np.array([W.insts[i].his for i in inst])
        ipt_no = np.where(his, self.k.take("ipt", m), -1)
        visits = Frame(
            "visits",
            dict(
                vid=vid,
                psn=psn,
                inst=inst,
                med_type=np.full(m, 21),
                begn=adm_t,
                end=dscg_t,
                dx=dx,
                dx2=dx2,
                dept=dept,
                dr=dr,
                dscg_way=way,
                cert=self.cert(m),
                setl_t=dscg_t + rng.integers(600, 3600, m),
                kind=np.ones(m),
                case=np.zeros(m),
                ipt_no=ipt_no,
            ),
        )
        lines = self.stay_lines(visits, k, adm, los)
        return visits, lines

    def stay_lines(self, v: Frame, k: np.ndarray, adm: np.ndarray, los: np.ndarray) -> Frame:
        """Every stay day: bed, nursing, 住院诊查费, anchors and the daily drugs; day-0 exams; procedures."""
        rng, C = self.rng, self.c
        parts: list[dict[str, np.ndarray]] = []
        for j, p in enumerate(cat.IPT_PROFILES):
            sel = np.nonzero(k == j)[0]
            if not len(sel):
                continue
            L = los[sel]
            rep = np.repeat(np.arange(len(sel)), L)
            kday = np.arange(len(rep)) - np.repeat(np.cumsum(L) - L, L)
            day = adm[sel][rep] + kday
            base = np.where(
                kday == 0, v["begn"][sel][rep] + 600, day * DAY + 8 * 3600 + rng.integers(0, 1800, len(rep))
            )
            layer = 0

            def add(rows, items, cnt, lay, sel=sel, rep=rep, day=day, base=base):
                rows = np.asarray(rows)
                if len(rows):
                    parts.append(
                        dict(
                            s=sel[rep[rows]],
                            item=np.asarray(items),
                            cnt=np.asarray(cnt),
                            t=base[rows] + 40 * lay,
                            day=day[rows],
                        )
                    )

            lv = self.w.hosp_lv[v["inst"][sel]][rep]
            bed = np.where(lv >= 3, cat.BY_CODE[cat.BED_FEE[3]].idx, cat.BY_CODE[cat.BED_FEE[2]].idx)
            allrows = np.arange(len(rep))
            add(allrows, bed, cat.P4, 0)
            add(allrows, cat.BY_CODE[p.nursing].idx, cat.P4, 1)
            add(allrows, cat.BY_CODE[cat.IPT_EXAM_FEE].idx, cat.P4, 2)
            layer = 3
            for a in p.anchors:
                it = cat.BY_CODE[a].idx
                add(allrows, it, C.upd[it] if C.upd[it] else cat.P4, layer)
                layer += 1
            if p.daily:
                items, mask = choose_items(rng, p.daily, len(sel))
                for col in range(p.daily.kmax):
                    r = allrows[mask[rep, col]]
                    it = items[rep[r], col]
                    add(r, it, np.where(C.upd[it] > 0, C.upd[it], cat.P4), layer)
                    layer += 1
            if p.day0:
                items, mask = choose_items(rng, p.day0, len(sel))
                first = allrows[kday == 0]
                for col in range(p.day0.kmax):
                    r = first[mask[rep[first], col]]
                    add(r, items[rep[r], col], cat.P4, layer)
                    layer += 1
            for pr in p.procs:
                hit = rng.random(len(sel)) < pr.prob
                d = np.minimum(pr.day, L - 1)
                target = np.nonzero(hit)[0]
                rows = (np.cumsum(L) - L)[target] + d[target]
                codes = idx_of(pr.codes)
                cnts = [cat.q4(x) for x in pr.cnt] if pr.cnt else [cat.P4] * len(codes)
                if pr.choose_one:
                    pick = rng.integers(0, len(codes), len(rows))
                    add(rows, codes[pick], np.array(cnts)[pick], layer)
                    layer += 1
                else:
                    for c_, n_ in zip(codes, cnts, strict=True):
                        add(rows, np.full(len(rows), c_), n_, layer)
                        layer += 1
        if not parts:
            return Frame("lines", n=0)
        s = np.concatenate([np.asarray(x["s"]) for x in parts])
        n = len(s)
        item = np.concatenate([np.broadcast_to(x["item"], len(x["s"])) for x in parts])
        cnt = np.concatenate([np.broadcast_to(x["cnt"], len(x["s"])) for x in parts])
        t = np.concatenate([x["t"] for x in parts])
        day = np.concatenate([x["day"] for x in parts])
        order = np.lexsort((item, t, s))
        s, item, cnt, t, day = s[order], item[order], cnt[order], t[order], day[order]
        pric = C.price_at(item, day)
        role = np.where(np.isin(C.typ[item], ["09", "10", "11"]), 1, np.where(C.typ[item] == "04", 2, 0))
        return Frame(
            "lines",
            dict(
                lid=self.k.take("line", n),
                vid=v["vid"][s],
                psn=v["psn"][s],
                inst=v["inst"][s],
                t=t,
                item=item,
                cnt=cnt,
                pric=pric,
                dr=v["dr"][s],
                dept=v["dept"][s],
                trac=np.full(n, -1),
                drord=np.full(n, -1),
                init=np.full(n, -1),
                his=np.ones(n, bool),
                case=np.zeros(n, bool),
                role=role,
                sid=np.full(n, -1),
                setl=np.full(n, -1),
            ),
        )

    # ------------------------------------------------------------------ slot events
    def events(self, g: int) -> tuple[Frame, Frame, Frame]:
        """Outpatient visits and insurance-settled pharmacy purchases on the persons' slot days."""
        W, rng = self.w, self.rng
        win = W.window
        F = win.month_first(g)
        n = W.n_background
        base_ok = np.isin(W.cohort[:n], [0, 1, 2]) & (W.enrolled[:n] <= F)
        psn_l, day_l, refill_l = [], [], []
        for j in range(3):
            day = F + W.slot[:n] - 1 + 10 * j
            refill = (W.cohort[:n] == 1) & (j == 0) & (W.regimen[:n, 0] >= 0)
            p = np.where(refill, 0.85, np.where(W.cohort[:n] == 1, 0.03, np.where(W.cohort[:n] == 2, 0.03, 0.035)))
            ok = base_ok & (rng.random(n) < p) & (day < W.die[:n]) & (day <= win.last_day)
            ok &= ~((day >= W.busy_from[:n]) & (day <= W.busy_to[:n]))
            sel = np.nonzero(ok)[0]
            psn_l.append(sel)
            day_l.append(day[sel])
            refill_l.append(refill[sel])
        psn, day, refill = np.concatenate(psn_l), np.concatenate(day_l), np.concatenate(refill_l)
        to_ph = np.where(refill, W.refill_ph[psn], rng.random(len(psn)) < 0.4)
        v1, l1 = self.outpatient(psn[~to_ph], day[~to_ph], refill[~to_ph])
        v2, s2 = self.pharmacy(psn[to_ph], day[to_ph], refill[to_ph])
        return Frame.cat("visits", [v1, v2]), l1, s2

    def outpatient(self, psn: np.ndarray, day: np.ndarray, refill: np.ndarray) -> tuple[Frame, Frame]:
        W, rng, C = self.w, self.rng, self.c
        m = len(psn)
        profs = cat.OP_PROFILES
        k = choose_rows(rng, self.op_weights, W.eligible_profiles(profs, psn, day, margin=1))
        keep = refill | (k >= 0)
        psn, day, refill, k = psn[keep], day[keep], refill[keep], k[keep]
        m = len(psn)
        lv_min = np.array([p.lv_min for p in profs])[np.maximum(k, 0)]
        home = np.where(rng.random(m) < 0.5, W.home_c[psn], W.home_h[psn])
        inst = np.where(
            (W.hosp_lv[home] >= lv_min) & ((W.kind[home] == "clinic") | (W.kind[home] == "hosp")),
            home,
            self.pick_hosp(W.home_h[psn], np.maximum(lv_min, 1), p_home=0.0),
        )
        chronic_k = W.chronic_prof[psn]
        inst = np.where(refill, W.refill_inst[psn], inst)
        inst = self.unblock(inst, day)
        t0 = day * DAY + 8 * 3600 + rng.integers(0, int(8.5 * 3600), m)
        vid = self.k.take("visit", m)
        dr = self.pick_doc(inst)
        dx = np.where(
            refill,
            np.array([DX_INDEX[p.dx] for p in cat.CHRONIC_PROFILES])[chronic_k],
            np.array([DX_INDEX[p.dx] for p in profs])[np.maximum(k, 0)],
        )
        dept = np.where(
            refill,
            np.array([DEPT_INDEX[p.dept] for p in cat.CHRONIC_PROFILES])[chronic_k],
            np.array([DEPT_INDEX[p.dept] for p in profs])[np.maximum(k, 0)],
        )
        med14 = np.array([p.med_type_14 for p in cat.CHRONIC_PROFILES])[chronic_k] & refill
        old = (day - W.brdy[psn]) > 50 * 365
        dx2 = np.where(old & (rng.random(m) < 0.25) & (dx != DX_INDEX["I10.x00"]), DX_INDEX["I10.x00"], -1)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # (event rows, item, cnt, layer)
        lv = W.hosp_lv[inst]
        big = lv >= 2
        rows = np.arange(m)
        parts.append((rows[big], np.full(big.sum(), cat.BY_CODE[cat.OP_REG[0]].idx), np.full(big.sum(), cat.P4), 0))
        parts.append((rows[big], np.full(big.sum(), cat.BY_CODE[cat.OP_REG[1]].idx), np.full(big.sum(), cat.P4), 1))
        parts.append(
            (
                rows[~big],
                np.full((~big).sum(), cat.BY_CODE[cat.OP_GENERAL].idx),
                np.full((~big).sum(), cat.P4),
                0,
            )
        )
        layer = 2
        # acute profiles
        for j, p in enumerate(profs):
            sel = np.nonzero((k == j) & ~refill)[0]
            if not len(sel):
                continue
            for pool in p.pools:
                items, mask = choose_items(rng, pool, len(sel))
                for col in range(pool.kmax):
                    r = sel[mask[:, col]]
                    parts.append((r, items[mask[:, col], col], np.zeros(len(r), np.int64), layer + col))
                layer += pool.kmax
        # chronic refills: the standing regimen plus the profile's occasional checks
        for j, p in enumerate(cat.CHRONIC_PROFILES):
            sel = np.nonzero(refill & (chronic_k == j))[0]
            if not len(sel):
                continue
            for col in range(3):
                r = sel[W.regimen[psn[sel], col] >= 0]
                parts.append((r, W.regimen[psn[r], col], np.zeros(len(r), np.int64), 20 + col))
            for pool in p.pools[1:]:
                items, mask = choose_items(rng, pool, len(sel))
                for col in range(pool.kmax):
                    r = sel[mask[:, col]]
                    parts.append((r, items[mask[:, col], col], np.zeros(len(r), np.int64), 30 + col))
        ev = np.concatenate([x[0] for x in parts])
        item = np.concatenate([x[1] for x in parts])
        lay = np.concatenate([np.full(len(x[0]), x[3]) for x in parts])
        # counts: drugs one line per pack (each scanned, own 追溯码), herbs 7 剂, services 1
        is101 = C.list_type[item] == "101"
        nlines = np.where(is101, C.packs[item], 1)
        ev, item, lay = np.repeat(ev, nlines), np.repeat(item, nlines), np.repeat(lay, nlines)
        is101 = C.list_type[item] == "101"
        cnt = np.where(is101, C.pack[item], np.where(C.list_type[item] == "102", C.upd[item] * cat.HERB_DOSES, cat.P4))
        cnt = np.where(item == cat.BY_CODE[cat.DECOCTION].idx, cat.P4 * cat.HERB_DOSES, cnt)
        order = np.lexsort((item, lay, ev))
        ev, item, cnt, lay = ev[order], item[order], cnt[order], lay[order]
        pos = np.arange(len(ev)) - np.searchsorted(ev, ev)
        t = t0[ev] + 60 + 30 * pos
        n = len(ev)
        trac = np.where(C.traced[item], self.k.take("trac", n), -1)
        nl = np.bincount(ev, minlength=m)
        end = t0 + 60 + 30 * nl + rng.integers(300, 1800, m)
        visits = Frame(
            "visits",
            dict(
                vid=vid,
                psn=psn,
                inst=inst,
                med_type=np.where(med14, 14, 11),
                begn=t0,
                end=end,
                dx=dx,
                dx2=dx2,
                dept=dept,
                dr=dr,
                dscg_way=np.full(m, -1),
                cert=self.cert(m),
                setl_t=end + 5,
                kind=np.zeros(m),
                case=np.zeros(m),
                ipt_no=np.full(m, -1),
            ),
        )
        lines = Frame(
            "lines",
            dict(
                lid=self.k.take("line", n),
                vid=vid[ev],
                psn=psn[ev],
                inst=inst[ev],
                t=t,
                item=item,
                cnt=cnt,
                pric=C.price_at(item, day[ev]),
                dr=dr[ev],
                dept=dept[ev],
                trac=trac,
                drord=np.full(n, -1),
                init=np.full(n, -1),
                his=np.zeros(n, bool),
                case=np.zeros(n, bool),
                role=np.zeros(n),
                sid=np.full(n, -1),
                setl=np.full(n, -1),
            ),
        )
        return visits, lines

    def pharmacy(self, psn: np.ndarray, day: np.ndarray, refill: np.ndarray) -> tuple[Frame, Frame]:
        """Insurance-settled pharmacy purchases (visit med_type 41); the fee lines are mirrored later."""
        W, rng, C = self.w, self.rng, self.c
        m = len(psn)
        inst = self.unblock(W.home_p[psn], day)
        ev_l, item_l = [], []
        for col in range(3):  # chronic: the regimen's pharmacy-sold items
            r = np.nonzero(refill)[0]
            it = W.regimen[psn[r], col]
            ok = it >= 0
            ok[ok] = self.ph_ok[it[ok]]
            ev_l.append(r[ok])
            item_l.append(it[ok])
        acute = np.nonzero(~refill)[0]
        kk = rng.integers(1, 3, len(acute))
        order = np.argsort(rng.random((len(acute), len(self.ph_acute))), axis=1)
        for col in range(2):
            r = acute[kk > col]
            ev_l.append(r)
            item_l.append(self.ph_acute[order[kk > col, col]])
        ev, item = np.concatenate(ev_l), np.concatenate(item_l)
        nlines = np.where(C.list_type[item] == "101", C.packs[item], 1)
        ev, item = np.repeat(ev, nlines), np.repeat(item, nlines)
        order = np.lexsort((item, ev))
        ev, item = ev[order], item[order]
        has = np.bincount(ev, minlength=m) > 0
        # a visit only exists when something is bought
        keep_ev = np.nonzero(has)[0]
        remap = np.full(m, -1)
        remap[keep_ev] = np.arange(len(keep_ev))
        ev = remap[ev]
        psn, day, inst = psn[keep_ev], day[keep_ev], inst[keep_ev]
        m = len(psn)
        open_ = np.array([W.insts[i].open_min for i in inst])
        close = np.array([W.insts[i].close_min for i in inst])
        span = close - open_ - 60
        t0 = day * DAY + (open_ + 15 + (rng.random(m) * span).astype(np.int64)) * 60 + rng.integers(0, 60, m)
        pos = np.arange(len(ev)) - np.searchsorted(ev, ev)
        n = len(ev)
        t = t0[ev] + 20 * pos
        nl = np.bincount(ev, minlength=m)
        vid = self.k.take("visit", m)
        setl_t = t0 + 20 * nl + 30
        visits = Frame(
            "visits",
            dict(
                vid=vid,
                psn=psn,
                inst=inst,
                med_type=np.full(m, 41),
                begn=t0,
                end=setl_t,
                dx=np.full(m, -1),
                dx2=np.full(m, -1),
                dept=np.full(m, -1),
                dr=self.pick_doc(inst),
                dscg_way=np.full(m, -1),
                cert=self.cert(m, True),
                setl_t=setl_t,
                kind=np.full(m, 2),
                case=np.zeros(m),
                ipt_no=np.full(m, -1),
            ),
        )
        rx = (~C.otc[item]).astype(np.int64)
        rxno = np.where(rx == 1, self.k.take("rx", m)[ev], -1)
        prsc = np.where(rx == 1, self.pick_doc(W.home_h[psn])[ev], -1)
        sales = Frame(
            "sales",
            dict(
                sid=self.k.take("sale", n),
                inst=inst[ev],
                vid=vid[ev],
                psn=psn[ev],
                t=t,
                item=item,
                cnt=C.pack[item],
                pric=C.price_at(item, day[ev]),
                rx=rx,
                rxno=rxno,
                dr=prsc,
                trac=np.where(C.traced[item], self.k.take("trac", n), -1),
                retn=np.zeros(n),
                init=np.full(n, -1),
                case=np.zeros(n, bool),
            ),
        )
        return visits, sales

    def cash_sales(self, g: int) -> Frame:
        """Anonymous cash (self-pay) sales of OTC items, with a few returns."""
        W, rng, C = self.w, self.rng, self.c
        win = W.window
        F, nd = win.month_first(g), win.month_days(g)
        lam = 0.5 * W.n_persons / 1080 / W.inst_mult
        ph = self.pharmacies
        cnts = rng.poisson(lam * W.weight[ph][:, None], (len(ph), nd))
        inst = np.repeat(np.repeat(ph, nd), cnts.ravel())
        day = np.repeat(np.tile(F + np.arange(nd), len(ph)), cnts.ravel())
        m = len(inst)
        if not m:
            return Frame("sales", n=0)
        open_ = np.array([W.insts[i].open_min for i in inst])
        close = np.array([W.insts[i].close_min for i in inst])
        t0 = day * DAY + (open_ + 10 + (rng.random(m) * (close - open_ - 40)).astype(np.int64)) * 60
        item = self.ph_cash[rng.integers(0, len(self.ph_cash), m)]
        two = rng.random(m) < 0.3
        item2 = self.ph_cash[rng.integers(0, len(self.ph_cash), m)]
        ev = np.r_[np.arange(m), np.nonzero(two & (item2 != item))[0]]
        it = np.r_[item, item2[two & (item2 != item)]]
        order = np.lexsort((it, ev))
        ev, it = ev[order], it[order]
        pos = np.arange(len(ev)) - np.searchsorted(ev, ev)
        n = len(ev)
        sid = self.k.take("sale", n)
        trac = np.where(C.traced[it], self.k.take("trac", n), -1)
        sales = Frame(
            "sales",
            dict(
                sid=sid,
                inst=inst[ev],
                vid=np.full(n, -1),
                psn=np.full(n, -1),
                t=t0[ev] + 20 * pos,
                item=it,
                cnt=C.pack[it],
                pric=C.price_at(it, day[ev]),
                rx=np.zeros(n),
                rxno=np.full(n, -1),
                dr=np.full(n, -1),
                trac=trac,
                retn=np.zeros(n),
                init=np.full(n, -1),
                case=np.zeros(n, bool),
            ),
        )
        # returns: 3 % of the lines come back later the same day or the next one, within opening hours
        ret = np.nonzero(rng.random(n) < 0.03)[0]
        sday = sales["t"][ret] // DAY
        rday = np.minimum(sday + rng.integers(0, 2, len(ret)), win.last_day)
        op = np.array([W.insts[i].open_min for i in sales["inst"][ret]])
        cl = np.array([W.insts[i].close_min for i in sales["inst"][ret]])
        rt = np.where(
            rday > sday,
            rday * DAY + (op + 30) * 60,
            np.minimum(sales["t"][ret] + 3600, sday * DAY + (cl - 5) * 60),
        )
        ok = rt > sales["t"][ret]
        ret, rt = ret[ok], rt[ok]
        k = len(ret)
        returns = Frame(
            "sales",
            dict(
                sid=self.k.take("sale", k),
                inst=sales["inst"][ret],
                vid=np.full(k, -1),
                psn=np.full(k, -1),
                t=rt,
                item=sales["item"][ret],
                cnt=-sales["cnt"][ret],
                pric=sales["pric"][ret],
                rx=np.zeros(k),
                rxno=np.full(k, -1),
                dr=np.full(k, -1),
                trac=sales["trac"][ret],
                retn=np.ones(k),
                init=sales["sid"][ret],
                case=np.zeros(k, bool),
            ),
        )
        return Frame.cat("sales", [sales, returns])
