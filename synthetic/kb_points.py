"""The sample knowledge base (两库): the feeds ``kb_point`` / ``kb_point_code`` and the cases they judge.

Points
    Every knowledge-driven rule type of RULES.md (R03, R04, R10–R13, R23–R29) has at least two points,
    national (``source`` 1, with ``national_rule_code`` and a batch such as ``国家第6批(2024-08-26)``)
    and local (2 省级 / 3 市级), with the published limit kept verbatim in ``condition_text`` /
    ``logic_text``. Side-A codes are items of the sample catalogue reserved for these cases
    (``case_only``: the background never bills them) or ICD-10 prefixes of diagnoses no background
    profile uses, so the background stays clean for every point; a few national points also name
    drugs the local catalogue lacks (``XW09…``, ``YP09…``). One point expires mid-window
    (``valid_to``), one starts mid-window (``valid_from``, published in a batch of the window's fourth
    month: the first snapshot does not carry it yet), and some are ``result_level`` 2. Batch dates
    and validity are relative to the window start, like the cases.

Deliveries
    Centre reference snapshots (sender 990100) every month, like ``hilist``: ``kb_point`` as UTF-8
    CSV with the contract's Chinese labels, ``kb_point_code`` as UTF-8 CSV with field codes. Each
    holds the points published by the month's last day, so a point first shows in the snapshot of
    the month it is published in.

Cases
    For every point type at least one injected hit and one near-miss, registered with the rule
    cases of ``cases.py`` (truth rows ``R03-H21``…, ``R23-H1``…). Near-misses sit one day, unit or
    yuan under a limit, on the day after a point expired or before one starts, or behind a refund
    that brings a line under its limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ingest.specs import FEEDS, F, FeedSpec

from . import catalogue as cat
from .cases import TRUTH_KEYS, Cases, CVisit, _years_before, rule
from .util import DAY, date_of
from .world import CENTRE, Window
from .writers import landing_path, write_csv

# ------------------------------------------------------------------------------------------- feeds
# The contract's columns (KNOWLEDGE_BASE.md). ``ingest.specs`` is the registry the loader reads; these
# local specs only stand in while it does not list the two feeds yet, so headers are written the same.
_KB_POINT = FeedSpec(
    "kb_point",
    "知识点",
    "reference",
    (
        F("kb_point_id", "知识点编号", req=True),
        F("rule_code", "规则代码", req=True),
        F("national_rule_code", "国家规则编码"),
        F("rule_name", "规则名称", "text", req=True),
        F("source", "来源", req=True),
        F("batch", "批次", "text"),
        F("item_name", "项目名称", "text", req=True),
        F("condition_text", "限定条件", "text"),
        F("logic_text", "判断逻辑", "text"),
        F("result_level", "结果类型"),
        F("lmt_gend", "限定性别"),
        F("lmt_age_min", "限定最小年龄", "int"),
        F("lmt_age_max", "限定最大年龄", "int"),
        F("lmt_age_max_days", "限定最大日龄", "int"),
        F("lmt_med_types", "限定医疗类别"),
        F("lmt_hosp_lv_min", "限定医院等级", "int"),
        F("lmt_dise_codes", "限定支付疾病"),
        F("max_cnt", "限定数量", "qty"),
        F("period", "计数周期"),
        F("period_days", "周期天数", "int"),
        F("min_interval_days", "最短间隔天数", "int"),
        F("max_days", "限定疗程天数", "int"),
        F("course_scope", "疗程范围"),
        F("max_amount", "限定报销总额", "money"),
        F("herb_mode", "饮片支付方式"),
        F("pair_scope", "同时收费范围"),
        F("valid_from", "生效日期", "date"),
        F("valid_to", "失效日期", "date"),
    ),
    key=("kb_point_id",),
    snapshot=True,
    sender_kind="centre",
)
_KB_POINT_CODE = FeedSpec(
    "kb_point_code",
    "知识点对应编码",
    "reference",
    (
        F("kb_point_id", "知识点编号", req=True),
        F("side", "编码角色", req=True),
        F("code_type", "编码类型", req=True),
        F("code", "编码", req=True),
        F("code_name", "名称", "text"),
    ),
    key=("kb_point_id", "side", "code"),
    snapshot=True,
    sender_kind="centre",
)
KB_FEEDS = ("kb_point", "kb_point_code")
HEADER_STYLE = {"kb_point": "labels", "kb_point_code": "codes"}


def spec(feed: str) -> FeedSpec:
    """The feed's spec: the loader's registry when it lists the feed, else the contract columns above."""
    return FEEDS.get(feed) or {"kb_point": _KB_POINT, "kb_point_code": _KB_POINT_CODE}[feed]


# ------------------------------------------------------------------------------------------ points
@dataclass
class Point:
    pid: str
    rule: str
    rule_name: str
    source: str  # 1 国家, 2 省级, 3 市级
    batch: str
    published: int  # day number: snapshots dated before it do not carry the point
    item_name: str
    condition: str
    logic: str
    codes: list[tuple[str, str, str]]  # (side, code_type, code); names come from the catalogue
    params: dict[str, str] = field(default_factory=dict)
    level: str = ""
    national: str = ""
    valid_from: int | None = None
    valid_to: int | None = None


NATIONAL_RULE_CODES = {
    "R03": "GZ10000301003000",
    "R04": "GZ10000301004000",
    "R10": "GZ10000601010000",
    "R11": "GZ10000601011000",
    "R12": "GZ10000601012000",
    "R13": "GZ10000601013000",
    "R23": "GZ10000101006000",
    "R24": "GZ10000301024000",
    "R25": "GZ10000601025000",
    "R26": "GZ10000601026000",
    "R27": "GZ10000201027000",
    "R28": "GZ10000201028000",
    "R29": "GZ10000701029000",
}
# codes national points name that the local catalogue lacks (the quality gate reports them as a warning)
UNKNOWN_CODES = {
    "XW09001": "注射用重组人促卵泡激素(进口)",
    "XW09002": "注射用奥马珠单抗(150mg)",
    "XW09003": "注射用重组人尿激酶原(10mg)",
    "YP09001": "羚羊角粉",
}
ICD_NAMES = {
    "I21": "急性心肌梗死",
    "I20.0": "不稳定型心绞痛",
    "N18.4": "慢性肾脏病4期",
    "N185": "慢性肾脏病5期",
    "N41": "前列腺炎症性疾病",
    "N97": "女性不孕症",
    "P59": "新生儿黄疸",
    "R54": "老年性衰弱",
}


def _ymd(day: int) -> str:
    return date_of(day).isoformat()


def build(win: Window) -> list[Point]:
    """The sample knowledge base of a window (dates relative to its start, like the cases)."""
    first = win.first_day

    def day(k: int, d: int) -> int:
        return win.month_first(k) + d - 1

    def nat(n: int, back: int) -> tuple[str, int]:
        d = first - back
        return f"国家第{n}批({_ymd(d)})", d

    def local(level: str, n: int, d: int) -> tuple[str, int]:
        return f"{level}{date_of(d).year}年第{n}批({_ymd(d)})", d

    b1, b2, b5, b6, b7, b8 = nat(1, 230), nat(2, 200), nat(5, 150), nat(6, 128), nat(7, 95), nat(8, 60)
    b9 = (f"国家第9批({_ymd(day(3, 25))})", day(3, 25))
    p1 = local("省级", 2, first - 40)
    c1 = local("市级", 1, first - 20)

    def P(pid, rule_code, name, source, batch, item, cond, logic, codes, level="", vf=None, vt=None, **params):
        text, published = batch
        return Point(
            pid,
            rule_code,
            name,
            source,
            text,
            published,
            item,
            cond,
            logic,
            codes,
            {k: str(v) for k, v in params.items()},
            level,
            NATIONAL_RULE_CODES[rule_code] if source == "1" else "",
            published if (vf is None and source == "1") else vf,
            vt,
        )

    A, B = "A", "B"
    H, D = "hilist", "icd10"
    return [
        # R03 项目重复收费 / 分解收费
        P("KBN-R03-01", "R03", "医疗服务项目重复收费", "1", b7, "动脉穿刺置管术",
          "动脉穿刺置管术已含动脉穿刺术，同日不得另收",
          "同一就诊同一天同时收取动脉穿刺置管术与动脉穿刺术",
          [(A, H, "003104000010000"), (B, H, "003104000020000")], pair_scope="day"),
        P("KBL-R03-01", "R03", "针刺运动疗法与电针重复收费", "2", p1, "针刺运动疗法",
          "针刺运动疗法已含电针治疗，同一次住院不得另收",
          "同一就诊收取针刺运动疗法又收取电针治疗",
          [(A, H, "004103000010000"), (B, H, "004103000020000")], pair_scope="visit"),
        # R04 超频次
        P("KBN-R04-01", "R04", "医疗服务项目超频次", "1", b8, "运动疗法",
          "每日不超过2次", "同一就诊同一天运动疗法数量超过2",
          [(A, H, "004201000010000")], max_cnt=2, period="day"),
        P("KBL-R04-01", "R04", "床旁X线摄影超次数", "2", p1, "床旁X线摄影",
          "每次住院不超过3次", "同一次住院床旁X线摄影数量超过3",
          [(A, H, "002104000010000")], max_cnt=3, period="visit"),
        # R10 超限定性别
        P("KBN-R10-01", "R10", "药品限性别使用", "1", b1, "尿促卵泡素",
          "限女性", "男性患者使用限女性药品",
          [(A, H, "XW00210"), (A, H, "XW09001")], lmt_gend=2),
        P("KBL-R10-01", "R10", "药品限性别使用", "3", c1, "十一酸睾酮软胶囊",
          "限男性", "女性患者使用限男性药品（本市知识点，已于失效日期停用）",
          [(A, H, "XW00211")], vf=c1[1], vt=day(2, 15), lmt_gend=1),
        # R11 超限定年龄
        P("KBN-R11-01", "R11", "医疗服务项目限年龄", "1", b1, "新生儿光照疗法",
          "限新生儿（出生28天内）", "出生超过28天的患者收取新生儿光照疗法",
          [(A, H, "003106000010000")], lmt_age_max_days=28),
        P("KBL-R11-01", "R11", "药品限儿童使用", "2", p1, "小儿豉翘清热颗粒",
          "限14周岁及以下儿童", "14周岁以上患者使用限儿童药品",
          [(A, H, "ZC00201")], lmt_age_max=14),
        # R12 超限定支付范围
        P("KBN-R12-01", "R12", "药品超适应症用药", "1", b2, "重组人尿激酶原",
          "限急性ST段抬高型心肌梗死或不稳定型心绞痛患者",
          "就诊诊断均不属于I21、I20.0时使用重组人尿激酶原",
          [(A, H, "XW00213"), (A, H, "XW09003")], lmt_dise_codes="I21;I20.0"),
        P("KBN-R12-02", "R12", "药品超适应症用药", "1", b2, "奥马珠单抗",
          "限经吸入型糖皮质激素和长效β2受体激动剂治疗后仍不能有效控制症状的重度过敏性哮喘",
          "就诊诊断均不属于J45时使用奥马珠单抗",
          [(A, H, "XW09002")], lmt_dise_codes="J45"),
        # R13 超限定机构等级 / 就医方式
        P("KBN-R13-01", "R13", "医疗服务项目限医疗机构等级", "1", b5, "PET/CT",
          "限三级医疗机构", "三级以下医疗机构收取PET/CT",
          [(A, H, "002103000060000")], lmt_hosp_lv_min=3),
        P("KBL-R13-01", "R13", "药品限住院使用", "2", p1, "注射用艾司奥美拉唑钠",
          "限住院患者", "非住院就诊使用限住院药品",
          [(A, H, "XW00214")], lmt_med_types="21"),
        P("KBL-R13-02", "R13", "药品限医疗机构使用", "3", c1, "利拉鲁肽注射液",
          "限定点医疗机构使用，定点零售药店购药不予支付", "定点零售药店（医疗类别41）销售",
          [(A, H, "XW00215")], level="2", vf=c1[1], lmt_med_types="11;14;21"),
        # R23 超限定支付疗程
        P("KBN-R23-01", "R23", "药品限支付疗程", "1", b6, "注射用胸腺法新",
          "支付不超过7天", "同一次就诊使用胸腺法新超过7天",
          [(A, H, "XW00201")], max_days=7, course_scope="visit"),
        P("KBL-R23-01", "R23", "药品限支付疗程", "3", c1, "鲑降钙素注射液",
          "每年度累计支付不超过6天", "同一参保人一个自然年内使用鲑降钙素注射液超过6天",
          [(A, H, "XW00202")], vf=c1[1], max_days=6, course_scope="year"),
        P("KBN-R23-02", "R23", "药品限支付疗程", "1", b6, "奥马珠单抗",
          "支付不超过24周", "同一参保人使用奥马珠单抗超过24周（按自然年累计168天计）",
          [(A, H, "XW09002")], level="2", max_days=168, course_scope="year"),
        # R24 周期超频次 / 间隔
        P("KBN-R24-01", "R24", "医疗服务项目周期超频次", "1", b8, "24小时动态血压监测",
          "30天内不超过2次", "同一参保人任意30天内收取24小时动态血压监测超过2次",
          [(A, H, "002105000010000")], period_days=30, max_cnt=2),
        P("KBL-R24-01", "R24", "检验项目间隔时间", "2", p1, "25-羟基维生素D测定",
          "间隔时间不短于14天", "同一参保人两次25-羟基维生素D测定间隔少于14天",
          [(A, H, "002503000160000")], level="2", min_interval_days=14),
        # R25 超限定报销总额
        P("KBL-R25-01", "R25", "耗材超限定报销总额", "3", c1, "胰岛素泵输注管路",
          "每人每年累计支付不超过1800元", "同一参保人一个自然年内胰岛素泵输注管路金额超过1800元",
          [(A, H, "HC00201")], vf=c1[1], max_amount="1800.00"),
        P("KBN-R25-01", "R25", "药品超限定报销总额", "1", b9, "依洛尤单抗注射液",
          "每人每年累计支付不超过1000元", "同一参保人一个自然年内依洛尤单抗金额超过1000元",
          [(A, H, "XW00216")], vf=day(4, 1), max_amount="1000.00"),
        # R26 中药饮片不予支付
        P("KBN-R26-01", "R26", "中药饮片单复方均不予支付", "1", b5, "冬虫夏草",
          "单复方均不予支付", "收取冬虫夏草",
          [(A, H, "YP00201"), (A, H, "YP09001")], herb_mode="all"),
        P("KBL-R26-01", "R26", "中药饮片单方使用不予支付", "2", p1, "西红花",
          "单方使用不予支付", "同一就诊同一天西红花为唯一中药饮片",
          [(A, H, "YP00202")], herb_mode="single"),
        # R27 关联项目缺失
        P("KBN-R27-01", "R27", "医用耗材与医疗服务项目不符", "1", b5, "一次性使用硅胶导尿管",
          "应与导尿或留置导尿同时收取", "同一就诊收取导尿管而无导尿、留置导尿",
          [(A, H, "HC00202"), (B, H, "003101000080000"), (B, H, "003101000090000")], level="2"),
        P("KBL-R27-01", "R27", "药品与医疗服务项目不符", "2", p1, "注射用艾司奥美拉唑钠",
          "应与静脉输液同时收取", "同一就诊收取注射用艾司奥美拉唑钠而无静脉输液",
          [(A, H, "XW00214"), (B, H, "003101000010000")], level="2"),
        # R28 禁忌症
        P("KBN-R28-01", "R28", "药品禁忌症", "1", b5, "盐酸二甲双胍缓释片",
          "中重度肾功能不全（eGFR<30）禁用", "就诊诊断含N18.4、N18.5时使用二甲双胍缓释片",
          [(A, H, "XW00217"), (B, D, "N18.4"), (B, D, "N185")]),
        P("KBL-R28-01", "R28", "药品禁忌症", "2", p1, "十一酸睾酮软胶囊",
          "前列腺炎症性疾病患者慎用", "就诊诊断含N41时使用十一酸睾酮",
          [(A, H, "XW00211"), (B, D, "N41")], level="2"),
        # R29 诊断与性别 / 年龄不符
        P("KBN-R29-01", "R29", "诊断与患者性别不符", "1", b1, "前列腺炎症性疾病",
          "限男性", "女性患者诊断为前列腺炎症性疾病",
          [(A, D, "N41")], lmt_gend=1),
        P("KBN-R29-02", "R29", "诊断与患者性别不符", "1", b1, "女性不孕症",
          "限女性", "男性患者诊断为女性不孕症",
          [(A, D, "N97")], lmt_gend=2),
        P("KBN-R29-03", "R29", "诊断与患者年龄不符", "1", b1, "新生儿黄疸",
          "限新生儿（出生28天内）", "出生超过28天的患者诊断为新生儿黄疸",
          [(A, D, "P59")], lmt_age_max_days=28),
        P("KBL-R29-01", "R29", "诊断与患者年龄不符", "2", p1, "老年性衰弱",
          "限60岁及以上", "60周岁以下患者诊断为老年性衰弱",
          [(A, D, "R54")], level="2", lmt_age_min=60),
    ]  # fmt: skip


def code_name(code_type: str, code: str) -> str:
    if code_type == "icd10":
        return ICD_NAMES.get(code, "")
    it = cat.BY_CODE.get(code)
    return it.name if it else UNKNOWN_CODES.get(code, "")


def point(points: list[Point], pid: str) -> Point:
    return next(p for p in points if p.pid == pid)


# ----------------------------------------------------------------------------------------- writing
def write(gen, g: int) -> None:
    """The two snapshots of month ``g`` (every month, like ``hilist``), as of its last day."""
    period = gen.window.period(g)
    as_of = gen.window.month_first(g + 1) - 1
    pts = sorted((p for p in _points(gen.cases) if p.published <= as_of), key=lambda p: p.pid)
    params = [f.code for f in spec("kb_point").fields if f.code.startswith(("lmt_", "max_", "period", "min_"))]
    params += ["course_scope", "herb_mode", "pair_scope"]
    rows = []
    for p in pts:
        r = {
            "kb_point_id": p.pid,
            "rule_code": p.rule,
            "national_rule_code": p.national,
            "rule_name": p.rule_name,
            "source": p.source,
            "batch": p.batch,
            "item_name": p.item_name,
            "condition_text": p.condition,
            "logic_text": p.logic,
            "result_level": p.level,
            "valid_from": _ymd(p.valid_from) if p.valid_from is not None else "",
            "valid_to": _ymd(p.valid_to) if p.valid_to is not None else "",
        }
        r.update({k: p.params.get(k, "") for k in params})
        rows.append(r)
    _write(gen, "kb_point", period, rows)
    rows = [
        {"kb_point_id": p.pid, "side": s, "code_type": t, "code": c, "code_name": code_name(t, c)}
        for p in pts
        for s, t, c in sorted(p.codes)
    ]
    _write(gen, "kb_point_code", period, rows)


def _write(gen, feed: str, period: str, rows: list[dict]) -> None:
    sp = spec(feed)
    cols = {c: pa.array([r.get(c) or None for r in rows], pa.string()) for c in sp.codes}
    path = landing_path(gen.out, feed, period, CENTRE, "csv")
    gen._emit(path, feed, write_csv(path, cols, feed, style=HEADER_STYLE[feed], spec=sp))


def landing_files(landing: Path, feed: str) -> list[Path]:
    """The newest snapshot's files of a knowledge-base feed (empty when none was delivered)."""
    periods = sorted(p for p in (landing / feed).glob("*") if p.is_dir())
    return sorted(periods[-1].glob("*")) if periods else []


# ------------------------------------------------------------------------------------------- cases
TRUTH_KEYS.update(
    {
        "R23": "feedetl_sn | sale_sn",
        "R24": "feedetl_sn",
        "R25": "feedetl_sn",
        "R26": "feedetl_sn | sale_sn",
        "R27": "feedetl_sn",
        "R28": "feedetl_sn",
        "R29": "mdtrt_id",
    }
)


def _points(c: Cases) -> list[Point]:
    if not hasattr(c, "kb_points"):
        c.kb_points = build(c.win)  # type: ignore[attr-defined]
    return c.kb_points  # type: ignore[attr-defined]


def _line(c: Cases, v: CVisit, code: str, day: int | None = None):
    idx = c.it(code)
    return next(ln for ln in v.lines if ln.item == idx and (day is None or ln.t // DAY == day) and ln.cnt > 0)


def _newborn(c: Cases, gend: int, on: int, age_days: int) -> int:
    p = c.person(gend, brdy=on - age_days)
    # born during the window: the person register lists them from the snapshot of their birth month
    # on, like the background's newborns
    c.w.enrolled[p] = max(int(c.w.enrolled[p]), on - age_days)
    return p


@rule("R03kb")
def _r03(c: Cases) -> None:
    H2, H3, H4, H5 = (c.role(x) for x in ("H2", "H3", "H4", "H5"))
    a, b = "003104000010000", "003104000020000"
    v = c.op(c.person(1, 58), H4, c.day(1, 8), "I50.900", [a, b])
    c.add("R03", 1, 21, "point KBN-R03-01 (pair_scope day): 动脉穿刺置管术 and 动脉穿刺术 the same day", mdtrt_id=v,
          hilist_code=b)  # fmt: skip
    s = c.stay(c.person(2, 63), H5, c.day(1, 14), 5, "I50.900", extra=((1, a, {}), (3, b, {})))
    c.add("R03", 0, 21, "near-miss: KBN-R03-01 pair on days 1 and 3 of a stay (scope day)", mdtrt_id=s, hilist_code=b)
    a, b = "004103000010000", "004103000020000"
    s = c.stay(c.person(1, 55), H2, c.day(2, 3), 6, "M51.200", extra=((0, a, {}), (3, b, {})))
    c.add("R03", 1, 22, "point KBL-R03-01 (pair_scope visit): 针刺运动疗法 day 0, 电针 day 3 of the stay", mdtrt_id=s,
          hilist_code=b)  # fmt: skip
    p = c.person(2, 49)
    c.op(p, H3, c.day(2, 8), "M54.500", [a], hh=9)
    v = c.op(p, H3, c.day(2, 8), "M54.500", [b], hh=15)
    c.add("R03", 0, 22, "near-miss: KBL-R03-01 pair in two different visits (scope visit)", mdtrt_id=v, hilist_code=b)


@rule("R04kb")
def _r04(c: Cases) -> None:
    H1, H3, H4, H5 = (c.role(x) for x in ("H1", "H3", "H4", "H5"))
    x = "004201000010000"
    v = c.op(c.person(1, 61), H3, c.day(2, 5), "M54.500", [(x, {"cnt": 3 * cat.P4})])
    c.add("R04", 1, 21, "point KBN-R04-01: 运动疗法 3 on one day (每日不超过2次)", mdtrt_id=v, hilist_code=x)
    v = c.op(c.person(2, 57), H3, c.day(2, 9), "M54.500", [(x, {"cnt": 2 * cat.P4})])
    c.add("R04", 0, 21, "near-miss: 运动疗法 exactly 2 on one day", mdtrt_id=v, hilist_code=x)
    v = c.op(c.person(1, 66), H4, c.day(2, 13), "M54.500", [(x, {"lines": 3})])
    c.refund(v, v.lines[-1])
    c.add("R04", 0, 22, "near-miss: 运动疗法 3 lines, one fully refunded (net 2)", mdtrt_id=v, hilist_code=x)
    x = "002104000010000"
    s = c.stay(c.person(2, 74), H1, c.day(2, 6), 5, "J18.900", extra=tuple((d, x, {}) for d in range(4)))
    c.add("R04", 1, 22, "point KBL-R04-01 (period visit): 床旁X线摄影 4 times in one stay (max 3)", mdtrt_id=s,
          hilist_code=x)  # fmt: skip
    s = c.stay(c.person(1, 70), H5, c.day(2, 18), 5, "J18.900", extra=tuple((d, x, {}) for d in range(3)))
    c.add("R04", 0, 23, "near-miss: 床旁X线摄影 exactly 3 times in one stay", mdtrt_id=s, hilist_code=x)


@rule("R10kb")
def _r10(c: Cases) -> None:
    H2, H4 = c.role("H2"), c.role("H4")
    v = c.op(c.person(1, 34), H2, c.day(1, 6), "R53.x00", ["XW00210"])
    c.add("R10", 1, 21, "point KBN-R10-01 (限女性): 尿促卵泡素 for a man", feedetl_sn=v.lines[-1])
    v = c.op(c.person(2, 31), H2, c.day(1, 9), "N97.900", ["XW00210"], dept="A05")
    c.add("R10", 0, 21, "near-miss: 尿促卵泡素 for a woman", feedetl_sn=v.lines[-1])
    vt = point(_points(c), "KBL-R10-01").valid_to
    v = c.op(c.person(2, 45), H4, vt - 20, "R53.x00", ["XW00211"])
    c.add("R10", 1, 22, "point KBL-R10-01 (限男性, expires): 十一酸睾酮 for a woman before valid_to",
          feedetl_sn=v.lines[-1])  # fmt: skip
    v = c.op(c.person(2, 47), H4, vt + 1, "R53.x00", ["XW00211"])
    c.add("R10", 0, 22, f"near-miss: the same the day after KBL-R10-01 expired ({date_of(vt)})", feedetl_sn=v.lines[-1])


@rule("R11kb")
def _r11(c: Cases) -> None:
    H1, C1 = c.role("H1"), c.role("C1")
    d = c.day(2, 12)
    v = c.op(_newborn(c, 1, d, 40), H1, d, "J06.900", ["003106000010000"], dept="A07")
    c.add("R11", 1, 21, "point KBN-R11-01 (lmt_age_max_days 28): 光照疗法 for a 40-day-old", feedetl_sn=v.lines[-1])
    d = c.day(2, 14)
    v = c.op(_newborn(c, 2, d, 28), H1, d, "J06.900", ["003106000010000"], dept="A07")
    c.add("R11", 0, 21, "near-miss: 光照疗法 on the 28th day after birth", feedetl_sn=v.lines[-1])
    d = c.day(2, 16)
    v = c.op(c.person(1, 30), C1, d, "J06.900", ["ZC00201"])
    c.add("R11", 1, 22, "point KBL-R11-01 (限儿童, ≤ 14): 小儿豉翘清热颗粒 for an adult", feedetl_sn=v.lines[-1])
    d = c.day(2, 19)
    v = c.op(c.person(2, brdy=_years_before(d, 15, 1)), C1, d, "J06.900", ["ZC00201"], dept="A07")
    c.add("R11", 0, 22, "near-miss: 小儿豉翘清热颗粒 the day before the 15th birthday", feedetl_sn=v.lines[-1])


@rule("R12kb")
def _r12(c: Cases) -> None:
    H1 = c.role("H1")
    v = c.op(c.person(1, 62), H1, c.day(2, 20), "I25.100", ["XW00213"])
    c.add("R12", 1, 21, "point KBN-R12-01 (I21;I20.0): 尿激酶原 on a visit diagnosed I25.1", feedetl_sn=v.lines[-1])
    v = c.op(c.person(2, 64), H1, c.day(2, 23), "I20.000", ["XW00213"])
    c.add("R12", 0, 21, "near-miss: 尿激酶原 with I20.000 (prefix I20.0 compared without the dot)",
          feedetl_sn=v.lines[-1])  # fmt: skip


@rule("R13kb")
def _r13(c: Cases) -> None:
    H1, H2, H3, H4, H5, P3 = (c.role(x) for x in ("H1", "H2", "H3", "H4", "H5", "P3"))
    v = c.op(c.person(1, 59), H3, c.day(3, 3), "C34.900", ["002103000060000"])
    c.add("R13", 1, 21, "point KBN-R13-01 (限三级): PET/CT at a level-2 hospital", feedetl_sn=v.lines[-1])
    v = c.op(c.person(2, 60), H2, c.day(3, 4), "C34.900", ["002103000060000"])
    c.add("R13", 0, 21, "near-miss: PET/CT at a level-3 hospital", feedetl_sn=v.lines[-1])
    v = c.op(c.person(1, 52), H4, c.day(3, 7), "K92.200", ["XW00214", "003101000010000"])
    c.add("R13", 1, 22, "point KBL-R13-01 (lmt_med_types 21): 艾司奥美拉唑 on an outpatient visit",
          feedetl_sn=_line(c, v, "XW00214"))  # fmt: skip
    s = c.stay(c.person(2, 68), H5, c.day(3, 8), 4, "K92.200", extra=((1, "XW00214", {}),))
    c.add("R13", 0, 22, "near-miss: 艾司奥美拉唑 in an inpatient stay", feedetl_sn=_line(c, s, "XW00214"))
    s = c.sale(c.person(1, 55), P3, c.day(3, 9), ["XW00215"])
    c.add("R13", 1, 23, "point KBL-R13-02 (11;14;21): 利拉鲁肽 sold by a pharmacy (med_type 41)", sale_sn=s.lines[0])
    v = c.op(c.person(2, 53), H1, c.day(3, 11), "E11.900", ["XW00215"])
    c.add("R13", 0, 23, "near-miss: 利拉鲁肽 on an outpatient visit (11)", feedetl_sn=v.lines[-1])


@rule("R23")
def _r23(c: Cases) -> None:
    H1, H2, H3 = (c.role(x) for x in ("H1", "H2", "H3"))
    x = "XW00201"
    adm = c.day(1, 4)
    s = c.stay(c.person(1, 66), H1, adm, 9, "J18.900", daily=(x,))
    c.add("R23", 1, 1, "KBN-R23-01 (7 days per visit): 胸腺法新 on 9 stay days, the 8th day", feedetl_sn=_line(c, s, x,
          adm + 7))  # fmt: skip
    c.add("R23", 1, 2, "… and the 9th day", feedetl_sn=_line(c, s, x, adm + 8))
    adm = c.day(1, 10)
    s = c.stay(c.person(2, 71), H2, adm, 7, "J18.900", daily=(x,))
    c.add("R23", 0, 1, "near-miss: 胸腺法新 on exactly 7 stay days", feedetl_sn=_line(c, s, x, adm + 6))
    adm = c.day(1, 16)
    s = c.stay(c.person(1, 69), H2, adm, 8, "J18.900", daily=(x,))
    c.refund(s, _line(c, s, x, adm + 3), after=1800)
    c.add("R23", 0, 2, "near-miss: 8 days, the 4th day fully refunded: the 8th day is the 7th", feedetl_sn=_line(c, s,
          x, adm + 7))  # fmt: skip
    x = "XW00202"
    p = c.person(2, 72)
    days = [c.day(k, d) for k, d in ((1, 3), (1, 12), (1, 21), (2, 2), (2, 11), (2, 20), (3, 2))]
    vs = [c.op(p, H3, d, "M81.000", [x]) for d in days]
    c.add("R23", 1, 3, "KBL-R23-01 (6 days per year): 鲑降钙素 on a 7th day of the year", feedetl_sn=vs[-1].lines[-1])
    p = c.person(1, 74)
    vs = [c.op(p, H3, d + 1, "M81.000", [x]) for d in days[:6]]
    c.add("R23", 0, 3, "near-miss: 鲑降钙素 on exactly 6 days of the year", feedetl_sn=vs[-1].lines[-1])


@rule("R24")
def _r24(c: Cases) -> None:
    H2, H3 = c.role("H2"), c.role("H3")
    x = "002105000010000"
    p = c.person(1, 56)
    vs = [c.op(p, H2, c.day(1, 4) + k, "I10.x00", [x]) for k in (0, 10, 20)]
    c.add("R24", 1, 1, "KBN-R24-01 (30 days, max 2): a 3rd 动态血压 20 days after the 1st", feedetl_sn=vs[-1].lines[-1])
    p = c.person(2, 58)
    vs = [c.op(p, H2, c.day(2, 1) + k, "I10.x00", [x]) for k in (0, 15, 30)]
    c.add("R24", 0, 1, "near-miss: a 3rd 动态血压 30 days after the 1st (window [d-29, d] holds 2)",
          feedetl_sn=vs[-1].lines[-1])  # fmt: skip
    x = "002503000160000"
    p = c.person(2, 63)
    d = c.day(3, 2)
    c.op(p, H3, d, "M81.000", [x])
    v = c.op(p, H3, d + 13, "M81.000", [x])
    c.add("R24", 1, 2, "KBL-R24-01 (间隔不短于14天): 维生素D again after 13 days", feedetl_sn=v.lines[-1])
    p = c.person(1, 65)
    c.op(p, H3, d + 1, "M81.000", [x])
    v = c.op(p, H3, d + 15, "M81.000", [x])
    c.add("R24", 0, 2, "near-miss: 维生素D again after exactly 14 days", feedetl_sn=v.lines[-1])
    p = c.person(2, 67)
    v0 = c.op(p, H3, d + 2, "M81.000", [x])
    c.refund(v0, v0.lines[-1])
    v = c.op(p, H3, d + 7, "M81.000", [x])
    c.add("R24", 0, 3, "near-miss: 5 days after a fully refunded test (not a billing day)", feedetl_sn=v.lines[-1])


@rule("R25")
def _r25(c: Cases) -> None:
    H1, H3 = c.role("H1"), c.role("H3")
    x = "HC00201"
    p = c.person(1, 44)
    vs = [c.op(p, H3, c.day(1, 2) + 9 * k, "E11.900", [x]) for k in range(5)]
    c.add("R25", 1, 1, "KBL-R25-01 (1,800 per year): the 4th 600-yuan 管路 crosses the cap", feedetl_sn=vs[3].lines[-1])
    c.add("R25", 1, 2, "… and the 5th, later line in full", feedetl_sn=vs[4].lines[-1])
    p = c.person(2, 46)
    vs = [c.op(p, H3, c.day(1, 5) + 9 * k, "E11.900", [x]) for k in range(3)]
    c.add("R25", 0, 1, "near-miss: exactly 1,800 in the year", feedetl_sn=vs[-1].lines[-1])
    x = "XW00216"
    vf = point(_points(c), "KBN-R25-01").valid_from
    p = c.person(1, 57)
    vs = [c.op(p, H1, d, "E78.500", [x]) for d in (vf + 2, vf + 17, vf + 35)]
    c.add(
        "R25", 1, 3, "KBN-R25-01 (1,000 per year, from valid_from): the 3rd 500-yuan line", feedetl_sn=vs[-1].lines[-1]
    )
    p = c.person(2, 59)
    vs = [c.op(p, H1, d, "E78.500", [x]) for d in (vf - 70, vf - 40, vf - 1)]
    c.add("R25", 0, 2, f"near-miss: 1,500 before the point starts ({date_of(vf)})", feedetl_sn=vs[-1].lines[-1])


@rule("R26")
def _r26(c: Cases) -> None:
    H3, P2 = c.role("H3"), c.role("P2")
    herbs = [("YP00101", {"cnt": cat.q4(6)}), ("YP00102", {"cnt": cat.q4(9)})]
    v = c.op(c.person(1, 60), H3, c.day(4, 3), "K29.500", [("YP00201", {"cnt": cat.q4(3)}), *herbs])
    c.add("R26", 1, 1, "KBN-R26-01 (单复方均不予支付): 冬虫夏草 in a compound prescription",
          feedetl_sn=_line(c, v, "YP00201"))  # fmt: skip
    v = c.op(c.person(2, 62), H3, c.day(4, 6), "K29.500", [("YP00201", {"cnt": cat.q4(3)}), *herbs])
    c.refund(v, _line(c, v, "YP00201"))
    c.add("R26", 0, 1, "near-miss: 冬虫夏草 fully refunded", feedetl_sn=_line(c, v, "YP00201"))
    v = c.op(c.person(2, 41), H3, c.day(4, 9), "K29.500", [("YP00202", {"cnt": cat.q4(2)})])
    c.add("R26", 1, 2, "KBL-R26-01 (单方使用不予支付): 西红花 as the only herb", feedetl_sn=v.lines[-1])
    v = c.op(c.person(1, 43), H3, c.day(4, 12), "K29.500", [("YP00202", {"cnt": cat.q4(2)}), herbs[0]])
    c.add("R26", 0, 2, "near-miss: 西红花 with 甘草 the same day", feedetl_sn=_line(c, v, "YP00202"))
    v = c.op(c.person(2, 45), H3, c.day(4, 15), "K29.500", [("YP00202", {"cnt": cat.q4(2)}), herbs[0]])
    c.refund(v, v.lines[-1])
    c.add("R26", 1, 3, "西红花 with 甘草, but the 甘草 fully refunded", feedetl_sn=_line(c, v, "YP00202"))
    s = c.sale(c.person(1, 47), P2, c.day(4, 18), [("YP00202", {})])
    c.add("R26", 1, 4, "西红花 alone in a pharmacy settlement", sale_sn=s.lines[0])


@rule("R27")
def _r27(c: Cases) -> None:
    H4, H5 = c.role("H4"), c.role("H5")
    x, cath = "HC00202", "003101000080000"
    s = c.stay(c.person(1, 73), H5, c.day(4, 4), 4, "J18.900", extra=((1, x, {}),))
    c.add("R27", 1, 1, "KBN-R27-01: 导尿管 in a stay without 导尿 or 留置导尿", feedetl_sn=_line(c, s, x))
    s = c.stay(c.person(2, 75), H5, c.day(4, 10), 4, "J18.900", extra=((0, x, {}), (2, cath, {})))
    c.add("R27", 0, 1, "near-miss: 导尿管 on day 0, 导尿 on day 2 of the stay", feedetl_sn=_line(c, s, x))
    v = c.op(c.person(1, 70), H4, c.day(4, 8), "N40.x00", [x, cath])
    c.refund(v, v.lines[-1])
    c.add("R27", 1, 2, "导尿管 with a 导尿 that was fully refunded", feedetl_sn=_line(c, v, x))


@rule("R28")
def _r28(c: Cases) -> None:
    H2 = c.role("H2")
    x = "XW00217"
    v = c.op(c.person(1, 64), H2, c.day(4, 5), "E11.900", [x], dx2="N18.500")
    c.add(
        "R28",
        1,
        1,
        "KBN-R28-01: 二甲双胍 with a secondary N18.500 (point code N185, compared without dots)",
        feedetl_sn=v.lines[-1],
    )
    v = c.op(c.person(2, 66), H2, c.day(4, 7), "E11.900", [x], dx2="N18.300")
    c.add("R28", 0, 1, "near-miss: 二甲双胍 with N18.3 (stage 3 is not contraindicated)", feedetl_sn=v.lines[-1])
    v = c.op(c.person(1, 42), H2, c.day(4, 11), "N41.100", ["XW00211"], dept="A04")
    c.add("R28", 1, 2, "KBL-R28-01 (result_level 2): 十一酸睾酮 on a visit diagnosed N41.1", feedetl_sn=v.lines[-1])


@rule("R29")
def _r29(c: Cases) -> None:
    H1, H3 = c.role("H1"), c.role("H3")
    lab = "002501000030000"
    v = c.op(c.person(2, 38), H3, c.day(5, 3), "N41.100", [lab])
    c.add("R29", 1, 1, "KBN-R29-01: a woman diagnosed 慢性前列腺炎", mdtrt_id=v)
    v = c.op(c.person(1, 39), H3, c.day(5, 4), "N41.100", [lab])
    c.add("R29", 0, 1, "near-miss: a man diagnosed 慢性前列腺炎", mdtrt_id=v)
    v = c.op(c.person(1, 33), H3, c.day(5, 6), "R53.x00", [lab], dx2="N97.900")
    c.add("R29", 1, 2, "KBN-R29-02: a man with a secondary diagnosis 女性不孕症", mdtrt_id=v)
    d = c.day(5, 8)
    v = c.op(_newborn(c, 1, d, 45), H1, d, "P59.900", ["002501000010000"], dept="A07")
    c.add("R29", 1, 3, "KBN-R29-03 (lmt_age_max_days 28): 新生儿黄疸 at 45 days", mdtrt_id=v)
    d = c.day(5, 10)
    v = c.op(_newborn(c, 2, d, 28), H1, d, "P59.900", ["002501000010000"], dept="A07")
    c.add("R29", 0, 2, "near-miss: 新生儿黄疸 on the 28th day after birth", mdtrt_id=v)
    d = c.day(5, 12)
    v = c.op(c.person(2, 45), H3, d, "R54.x00", [lab])
    c.add("R29", 1, 4, "KBL-R29-01 (≥ 60): 老年性衰弱 at 45", mdtrt_id=v)
    d = c.day(5, 14)
    v = c.op(c.person(1, brdy=_years_before(d, 60)), H3, d, "R54.x00", [lab])
    c.add("R29", 0, 3, "near-miss: 老年性衰弱 on the 60th birthday", mdtrt_id=v)


__all__ = ["KB_FEEDS", "Point", "build", "landing_files", "spec", "write"]
