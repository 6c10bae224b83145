"""The words a quality owner reads: verdicts, severities, feed and column names, times, and each
check's "what was checked" and "what to do" in Chinese.

One vocabulary for every place that shows a verdict (the quality pages, the gate's summary line,
the Dagster check metadata): a feed or delivery whose only failures are warnings *passed* — it is
never called failed. Codes (``pass`` / ``warn`` / ``fail``) stay the machine values in
``quality.delivery_quality`` and the result JSON; only their labels live here.

Check texts are derived from the check id (``<feed>.<group>.<name>``), its columns and the English
title (which carries the numbers: limits, windows), so the checks stay declared once in
:mod:`expectations.generate` and :mod:`expectations.groups`; a check without a Chinese wording here
shows its English title and remedy (the tests hold every current check to a Chinese wording).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from ingest.specs import FEEDS

TZ_SHANGHAI = ZoneInfo("Asia/Shanghai")

# the verdict vocabulary: code -> label (used everywhere a verdict is shown)
VERDICT = {
    "pass": "通过",
    "warn": "通过（有警告）",
    "fail": "未通过（阻断）",
    "none": "无交付",
    "not_validated": "尚未校验",
    # manifest outcomes that quality.delivery_quality carries as verdicts too
    "refused": "拒收（未加载）",
    "duplicate": "重复报送（未加载）",
    "replaced": "已被更正文件替换",
}
VERDICT_EXPLAINED = {
    "pass": "所有检查均通过。",
    "warn": "没有严重问题，下游照常构建；有警告需要核实。",
    "fail": "有严重问题：读取该数据的模型和规则暂停更新（保留上次结果），直到更正文件替换这批数据。",
    "none": "本次没有已加载的交付。",
    "not_validated": "尚未运行质量校验。",
}
SEVERITY = {"critical": "严重", "warning": "警告"}
CATEGORY = {
    "schema": "表结构",
    "required": "必填",
    "key": "主键唯一",
    "format": "格式",
    "code": "代码值",
    "plausibility": "合理性",
    "arithmetic": "金额勾稽",
    "consistency": "一致性",
    "reference": "关联引用",
    "completeness": "完整性",
    "volume": "交付量",
    "delivery": "交付",
}


def verdict_label(code: str) -> str:
    return VERDICT.get(code, code)


def severity_label(code: str) -> str:
    return SEVERITY.get(code, code)


def feed_label(feed: str) -> str:
    """``结算信息（setl）``."""
    spec = FEEDS.get(feed)
    return f"{spec.label_zh}（{feed}）" if spec and spec.label_zh else feed


def feed_zh(feed: str) -> str:
    spec = FEEDS.get(feed)
    return spec.label_zh if spec and spec.label_zh else feed


def column_label(feed: str, column: str) -> str:
    """``医疗费总额（medfee_sumamt）``; a column the spec does not know is shown as is."""
    spec = FEEDS.get(feed)
    for f in spec.fields if spec else ():
        if f.code == column and f.label_zh:
            return f"{f.label_zh}（{column}）"
    return column


def local_time(value: str | None) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai (naive values are already local:
    the loader and the gate stamp Shanghai time)."""
    if not value:
        return ""
    try:
        t = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if t.tzinfo is not None:
        t = t.astimezone(TZ_SHANGHAI)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def period_label(period: str | None) -> str:
    """``202403`` -> ``2024年03月``."""
    if period and re.fullmatch(r"\d{6}", period):
        return f"{period[:4]}年{period[4:]}月"
    return period or ""


# sample details the checks' SQL writes (English, stored as is): shown in Chinese
_SAMPLES = (
    (
        re.compile(r"(\d+) rows?, usual (\d+) \(median of (\d+) other deliveries of this sender\)"),
        "本次 {0} 行，常规 {1} 行（该报送方其他 {2} 次交付的中位数）",
    ),
    (re.compile(r"(.+): total (\S+) <> lines (\S+)"), "{0}：结算总额 {1} ≠ 明细合计 {2}"),
    (
        re.compile(r"(.+): (\d+) of (\d+) hilist codes \((\d+)%\) not in the catalogue"),
        "知识点 {0}：{2} 个医保目录编码中 {1} 个（{3}%）不在当前医保目录中",
    ),
    (re.compile(r"([AB]) (hilist|icd10) for (R\d+)"), "{2} 规则的知识点不使用 {0} 方的 {1} 编码"),
    (re.compile(r"(.+): total (\S+) <> parts (\S+)"), "{0}：结算总额 {1} ≠ 基金 + 账户 + 现金 {2}"),
    (re.compile(r"(.+): (\S+) <> (\S+) x (\S+)"), "{0}：金额 {1} ≠ 数量 {2} × 单价 {3}"),
)


# the loader's quarantine reason codes (``reason(column)``, ingest/normalise.py and loader.py)
REASON = {
    "missing_required": "必填项为空",
    "invalid_date": "日期无法识别",
    "invalid_datetime": "日期时间无法识别",
    "invalid_number": "数值无法识别",
    "invalid_integer": "整数无法识别",
    "invalid_time": "时间无法识别",
    "impossible_date": "不可能的日期",
    "control_character": "含控制字符",
    "invalid_certno_format": "身份证号格式错误",
    "invalid_certno_check_digit": "身份证号校验位错误",
    "invalid_certno_birth_date": "身份证号中的出生日期不存在",
    "code_as_number": "代码被存成数字（丢失前导零）",
    "excel_mangled": '被 Excel 改写的代码（科学计数法或 ="…"）',
    "null_marker": "空值标记（如 NULL、-）",
    "end_before_begin": "结束早于开始",
    "duplicate_key_in_file": "文件内主键重复",
    "duplicate_key_across_files": "与其他文件主键重复",
    "foreign_institution": "机构编号与报送方不一致",
    "invalid_value": "取值不在契约允许的值之内",
    "unknown_rule_code": "规则代码不是知识库规则（R03、R04、R10–R13、R23–R29）",
    "missing_parameter": "缺少该规则所需的参数",
    "unknown_kb_point": "知识点编号不在同期（或之前最近一期）的知识点快照中",
    "missing_confirmed_amt": "复核结论为 1 确认违规或 2 部分确认的行须填写认定违规金额（元），请补填后重新交付",
}
# reason(columns): columns separated by ',' (all of them), '+' (together) or '|' (any one of the groups)
_REASON = re.compile(r"\b([a-z][a-z_]+)\(([a-z_0-9, +|]*)\)")


def sample_text(text: str, feed: str = "") -> str:
    """A failing row's example as a quality owner reads it (the stored value stays as is)."""
    for pattern, zh in _SAMPLES:
        m = pattern.fullmatch(text)
        if m:
            return zh.format(*m.groups())

    def reason(m: re.Match) -> str:
        if m.group(1) not in REASON:
            return m.group()
        cols = " 或 ".join(
            "、".join(
                "+".join(column_label(feed, c.strip()) for c in part.split("+") if c.strip())
                for part in group.split(",")
                if part.strip()
            )
            for group in m.group(2).split("|")
            if group.strip()
        )
        return f"{REASON[m.group(1)]}：{cols}" if cols else REASON[m.group(1)]

    return _REASON.sub(reason, text)


# ------------------------------------------------------------------------------ check texts

_LOADER = "加载程序本应已隔离这类行：出现此失败说明加载程序有缺陷，请联系数据工程师"
_REFERENCE_DATA = ("fixmedins", "psn", "hilist", "practitioner")
_REF_WHAT = {
    "fixmedins": "定点医药机构",
    "psn": "参保人员",
    "hilist": "医保目录项目",
    "practitioner": "医保医师/药师",
    "mdtrt": "就诊记录",
    "setl": "结算记录",
}
_NUM = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")

# hand-declared checks (expectations/groups): "<group>.<name>" -> (what was checked, what to do)
_FIXED: dict[str, tuple[str, str]] = {
    "arithmetic.total_eq_fund_acct_cash": (
        "医疗费总额 = 基金支付 + 个人账户支付 + 现金支付（允许误差 ±0.01 元）",
        "结算总额与其基金、个人账户、现金三部分之和不符：请医保中心重新报送该期间的结算提取文件。",
    ),
    "arithmetic.total_eq_fee_lines": (
        "结算的医疗费总额 = 同一期间报送的该结算全部费用明细金额之和（允许误差 ±0.01 元）",
        "结算与费用明细两个提取文件不一致：请医保中心重新报送该期间的两个文件（更正文件会替换原文件）。",
    ),
    "completeness.has_fee_lines": (
        "每笔结算在同一期间都报送了费用明细",
        "该期间的费用明细文件缺失或不完整：请医保中心补报（否则按明细筛查的规则看不到这些结算）。",
    ),
    "completeness.inpatient_endtime": (
        "已结算的住院就诊（医疗类别 21）填写了出院时间",
        "请补报出院时间；住院天数类规则需要它。",
    ),
    "completeness.bilg_dr_code": (
        "填写了开单医生编码（为空是质量警告，见规则 R15）",
        "请在每一条费用明细上报送开单医生的医保医师编码。",
    ),
    "consistency.refund_link": (
        "负数（退费）明细指向其所退的原明细（init_feedetl_sn）",
        "请在退费明细上报送原明细流水号；规则需要用它将退费与原明细冲抵。",
    ),
    "consistency.mdtrt_of_setl": (
        "费用明细的就诊ID与其所属结算（同一期间报送）的就诊ID一致",
        "费用明细的就诊与结算不一致：请医保中心核查提取文件。",
    ),
    "consistency.return_sign": (
        "退货（退货标志 1）数量为负，正常销售/采购数量为正",
        "请报送方按“退货为负数量、退货标志为 1”的方式报送退货。",
    ),
    "consistency.change_sign": (
        "报损/盘亏/调出（1、3、5）减少库存（数量 ≤ 0）；盘盈/调入（2、4）增加库存（数量 ≥ 0）",
        "请按变更对库存的影响方向报送数量的正负号。",
    ),
    "consistency.certno_brdy": (
        "出生日期与身份证号中的出生日期一致（只报告数量，不显示证件号）",
        "参保人员的出生日期与身份证号不一致：请医保中心更正该参保人员记录（否则年龄类规则会误判）。",
    ),
    "consistency.certno_gend": (
        "性别与身份证号第 17 位一致（奇数 = 男 1，偶数 = 女 2；只报告数量，不显示证件号）",
        "参保人员的性别与身份证号不一致：请医保中心更正该参保人员记录（否则性别类规则会误判）。",
    ),
    "format.certno_format": (
        "身份证号为 18 位（17 位数字 + 数字或 X；只报告数量，不显示证件号）",
        _LOADER + "。",
    ),
    "format.certno_check_digit": (
        "身份证号校验位正确（ISO 7064 MOD 11-2；只报告数量，不显示证件号）",
        _LOADER + "；并请报送方更正身份证号。",
    ),
    "format.certno_birth_date": (
        "身份证号第 7–14 位是真实存在的出生日期（只报告数量，不显示证件号）",
        _LOADER + "。",
    ),
    "format.tel": (
        "联系电话为手机号（1[3-9] 开头 11 位）或固定电话（只报告数量，不显示号码）",
        "请在参保人员记录中更正电话号码。",
    ),
    "format.uscc_check_char": (
        "统一社会信用代码的校验字符正确（GB 32100）",
        "请在医保中心的机构登记中更正该机构的统一社会信用代码。",
    ),
    "format.lmt_dise_codes": (
        "限定支付疾病为以“;”分隔的 ICD-10 编码前缀",
        "请报送以“;”分隔的 ICD-10 前缀，例如 E11;I67.8。",
    ),
    "plausibility.pharmacy_hosp_lv": (
        "零售药店（机构类型 2）不填写医院等级",
        "药店的医院等级请留空；并核实机构类型。",
    ),
    "plausibility.age_range": (
        "限定最小年龄 ≤ 限定最大年龄（两者都有值时）",
        "请更正目录中的年龄限制。",
    ),
    "reference.reversal_init_setl_id": (
        "冲销结算（退费结算标志 1）指向一笔已报送的原结算（init_setl_id）",
        "请在冲销结算上报送原结算ID；规则的退费处理需要它。",
    ),
    "reference.init_feedetl_sn": (
        "原费用明细流水号指向一条已报送的费用明细",
        "请补报原明细，或更正原费用明细流水号。",
    ),
    "code.rule_code": (
        "规则代码为知识库规则之一（R03、R04、R10–R13、R23–R29）",
        "其他规则代码的行本应被加载程序隔离（unknown_rule_code）：" + _LOADER + "。",
    ),
    "plausibility.lmt_age_min_0_150": (
        "限定最小年龄为 0–150 之间的周岁",
        "请在知识点中更正限定最小年龄（周岁）。",
    ),
    "plausibility.lmt_age_max_0_150": (
        "限定最大年龄为 0–150 之间的周岁",
        "请在知识点中更正限定最大年龄（周岁）。",
    ),
    "plausibility.lmt_age_max_days_range": (
        "限定最大日龄为 0 至 150 年之间的天数",
        "请在知识点中更正限定最大日龄（出生后天数，新生儿 = 28）。",
    ),
    "plausibility.kb_age_range": (
        "知识点的限定最小年龄 ≤ 限定最大年龄（两者都有值时）",
        "请更正知识点的年龄限制：最小年龄大于最大年龄时，任何人的年龄都会违反该知识点。",
    ),
    "completeness.side_b_codes": (
        "R03、R27 知识点在知识点对应编码中有 B 方医保目录编码，R28 知识点有 B 方 ICD-10 编码"
        "（同期或之前最近一期的快照）",
        "请在同一期间的知识点对应编码中报送该知识点的 B 方编码（同名文件作为更正），或删除该知识点；"
        "缺少 B 方编码的 R27 知识点会把其项目的每一条明细都判为违规。",
    ),
    "reference.hilist_unknown_share": (
        "知识点的医保目录编码在当前医保目录（raw.hilist）中；示例给出每个知识点未知编码的占比",
        "国家知识点可能包含本地目录没有的项目（这些编码不会匹配任何明细），属正常；"
        "占比很高通常说明使用了其他编码体系，请核对。",
    ),
    "reference.kb_point_in_snapshot": (
        "知识点编号指向同期（或之前最近一期）知识点快照中的知识点（raw.kb_point）",
        "加载程序会隔离这类行（unknown_kb_point）；此前已加载的行在之后的知识点更正删去其知识点时会在此失败："
        "请重新报送该期间的知识点对应编码。",
    ),
    "consistency.code_fits_rule": (
        "编码的编码角色与编码类型是其知识点规则会读取的（A 方为医保目录编码，R29 的 A 方为 ICD-10；"
        "R03、R27 的 B 方为医保目录编码，R28 的 B 方为 ICD-10）",
        "请更正编码角色或编码类型：规则不读取的编码不会被使用。",
    ),
    "consistency.excluded_with_amount": (
        "复核结论为 3 排除（不予认定）的复核没有认定违规金额（金额为空或 0）",
        "请更正复核结论（认定了金额应为 1 确认违规或 2 部分确认）或清空认定违规金额后重新交付该表；"
        "排除的疑点无论填写多少金额都按 0.00 计。",
    ),
    "order.received_le_reward_paid": (
        "奖励发放日期不早于举报受理日期",
        "请更正受理日期或奖励发放日期。",
    ),
}


def _nums(text: str) -> list[str]:
    return _NUM.findall(text or "")


_CJK = "\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def check_text(o) -> tuple[str, str]:
    """(what was checked, what to do) in Chinese for a check outcome (or a Check: same fields)."""
    title, todo = _check_text(o)
    return _CJK_SPACE.sub("", title), _CJK_SPACE.sub("", todo)


def _check_text(o) -> tuple[str, str]:
    feed = o.feed
    check_id = getattr(o, "check_id", None) or getattr(o, "id", "")
    rest = check_id.split(".", 1)[1] if "." in check_id else check_id
    group, _, name = rest.partition(".")
    cols = list(getattr(o, "columns", ()) or ())
    col = column_label(feed, cols[0]) if cols else ""
    title = getattr(o, "title", "") or ""
    if rest in _FIXED:
        return _FIXED[rest]
    if group == "schema" and name == "columns":
        return (
            f"原始表 raw.{feed} 的列与数据契约一致（契约字段加血缘字段）",
            "原始表与 ingest/specs.py 不一致：请数据工程师运行加载程序（会补齐新增字段）"
            "或修正规格；切勿手工修改原始表。",
        )
    if group == "schema" and name == "types":
        return (
            f"原始表 raw.{feed} 每一列的类型与规格一致",
            "某列以其他类型创建（旧仓库或手工建表）：请数据工程师按规格重建原始表并重新加载落地文件。",
        )
    if group == "required":
        sensitive = "（只报告数量）" if getattr(o, "sensitive", False) else ""
        return (
            f"每一行都填写了 {col}（数据契约必填项）{sensitive}",
            f"请报送方在每一行填写 {col}。" + _LOADER + "。",
        )
    if group == "key":
        m = re.search(r"\(([^)]*)\)", title)
        keys = "、".join(column_label(feed, k.strip()) for k in m.group(1).split(",")) if m else ""
        return (
            f"主键（{keys}）在同一期间内唯一",
            "加载程序会隔离同一期间内的重复主键：出现此失败说明加载程序有缺陷或原始表被手工修改，请重新加载该期间的文件。",
        )
    if group == "code":
        return (
            f"{col} 使用其代码表中的代码",
            f"请报送方在源头更正 {col}；若代码表已过时，请在 dbt_project/seeds/code_tables 中补充该代码。",
        )
    if group == "date":
        return (
            f"{col} 在 1900-01-01 至明天之间（不得为未来日期）",
            _LOADER + "；也可能是源系统时钟错误，请核对源系统的日期。",
        )
    if group == "arithmetic":
        m = re.match(r"(\S+) = (\S+) × (\S+)", title)
        if m:
            a, b, c = (column_label(feed, x) for x in m.groups())
            return (
                f"{a} = {b} × {c}（允许误差 ±0.01 元）",
                "金额不等于数量 × 单价：请报送方核查并重新报送该期间的明细文件。",
            )
    if group == "order":
        m = re.match(r"(\S+) ≤ (\S+)", title)
        if m:
            a, b = column_label(feed, m.group(1)), column_label(feed, m.group(2))
            if "quarantined by the loader" in (getattr(o, "remedy", "") or ""):
                todo = "开始晚于结束的行本应被加载程序隔离：出现此失败说明加载程序有缺陷；请在源头更正日期。"
            else:
                todo = f"请在源头更正 {a} 或 {b}。"
            return (f"{a} 不晚于 {b}（两者都有值时）", todo)
        m = re.match(r"(\S+) \([^)]*\) is not before (\S+)", title)
        if m:
            a, b = column_label(feed, m.group(1)), column_label(feed, m.group(2))
            return (f"{a} 不早于 {b}", f"请在参保人员记录中更正 {a} 或 {b}。")
    if group == "amount":
        n = _nums(title)
        limit = n[0] if n else ""
        if name.endswith("_hard_limit"):
            return (
                f"{col} 在 ±{limit} 元以内",
                f"金额如此之大通常是单位（分/元）或格式错误：请在源头更正 {col} 后重新报送。",
            )
        return (f"{col} 在 ±{limit} 元以内（超出值得核实）", "请与医保中心核实该金额（单位：元，保留两位小数）。")
    if group == "period":
        n = _nums(title)
        before, after = (n + ["?", "?"])[:2]
        return (
            f"{col} 落在交付期间内（期间首日前 {before} 天至末日后 {after} 天）",
            "请确认文件放在正确的期间目录（<feed>/<YYYYMM>/）下；按其实际所属期间重新报送。",
        )
    if group == "volume":
        n = _nums(title)
        factor, history, diff = (n + ["?", "?", "?"])[:3]
        return (
            f"每次交付的行数在该报送方常规行数的 {factor} 倍范围内（常规 = 其至少 {history} "
            f"次其他交付的中位数；相差不足 {diff} 行忽略）",
            "请与报送方确认提取文件是否完整（截断或重复的提取请以同名文件作为更正重新报送）。",
        )
    if group == "delivery" and name == "quarantined_rows":
        return (
            "该交付没有被加载程序隔离的行",
            "请查看 raw.quarantine（文件、行号、原因代码），并请报送方更正这些行后重新报送。",
        )
    if group == "reference":
        m = re.search(r"\(raw\.(\w+)\.", title)
        target = m.group(1) if m else ""
        what = _REF_WHAT.get(target, feed_zh(target))
        if "pharmacy" in title:
            what = "定点药店"
        remedy = getattr(o, "remedy", "") or ""
        if remedy.startswith("deliver the missing"):
            todo = f"请补报缺失的{feed_zh(target)}记录（参考数据快照）或更正 {col}；未知代码会保留并标记，不会被丢弃。"
        else:
            todo = f"缺少对应{what}说明提取文件被截断：请医保中心重新报送该期间的{feed_zh(target)}提取文件。"
        return (f"{col} 指向已知的{what}（raw.{target}）", todo)
    if group == "format":
        if name.endswith("_icd10"):
            return (
                f"{col} 符合 ICD-10 编码格式（如 J06.900、I67.800x001）",
                "请报送医保版 ICD-10 诊断编码（本地编码请先映射）；自由文本或本地编码会使按诊断限定支付的规则失效。",
            )
        if "行政区划" in title:
            return (f"{col} 为 6 位行政区划代码", f"请在 {col} 中报送 6 位行政区划代码。")
    if group == "plausibility":
        if name.endswith("_ge_0"):
            return (f"{col} 不为负数", f"请在源头更正 {col}（退货/退费以负数量、正单价报送）。")
        if name.endswith("_gt_0"):
            return (f"{col} 有值时为正数", f"请在源头更正 {col}。")
    return (title, getattr(o, "remedy", "") or "")


def has_chinese_text(o) -> bool:
    """True when :func:`check_text` has a Chinese wording for this check (not the English fallback)."""
    title, _ = _check_text(o)
    return title != (getattr(o, "title", "") or "")
