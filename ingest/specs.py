"""The feed registry: one declarative spec per feed of ``shared/docs/DATA_CONTRACT.md``.

Everything that needs to know a feed's columns reads them from here — the loader (header
mapping, typing, validation), the raw table DDL, the dbt sources file (generated, see
``render_dbt_sources``), the sample generator and the quality suites. Change the contract in
one place.

Field types (what the loader normalises a delivered value into):

``code``      string; full-width ASCII folded, trimmed (leading zeros kept)
``text``      free text; NFC, trimmed
``date``      DATE; ``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY/MM/DD`` and Excel serials accepted
``datetime``  TIMESTAMP, local Asia/Shanghai time without zone
``money``     DECIMAL(18,2) yuan
``qty``       DECIMAL(18,4) — counts may be fractional (drugs split into smallest units)
``price``     DECIMAL(18,4) — unit prices: 2 decimals would break cnt × pric arithmetic
``int``       INTEGER
``hhmm``      ``HH:MM`` string (opening hours; kept a string so Spark can read it too)
``certno``    18-digit 身份证: upper-case X, 15-digit IDs converted, check digit validated
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

FIELD_TYPES = ("code", "text", "date", "datetime", "money", "qty", "price", "int", "hhmm", "certno")

SQL_TYPES = {
    "code": "varchar",
    "text": "varchar",
    "date": "date",
    "datetime": "timestamp",
    "money": "decimal(18,2)",
    "qty": "decimal(18,4)",
    "price": "decimal(18,4)",
    "int": "integer",
    "hhmm": "varchar",
    "certno": "varchar",
}


@dataclass(frozen=True)
class Field:
    code: str
    label_zh: str = ""
    type: str = "code"
    required: bool = False
    sensitive: bool = False
    # labels of our own for fields the contract gives none (still accepted everywhere)
    aliases: tuple[str, ...] = ()
    # dates that may legitimately lie in the future (agreement end, validity end)
    future_ok: bool = False
    # a code whose values are plain numbers without leading zeros (an enumeration such as 1/2/3, or a
    # 6-digit admdvs) may arrive as a number cell; any other code as a number is quarantined
    numeric_ok: bool = False
    # an enumeration the loader enforces: any other delivered value quarantines the row
    # (``invalid_value(col)``); empty = not enforced at load (the quality gate may still check it)
    values: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.code}: unknown type {self.type!r}")

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class FeedSpec:
    name: str
    label_zh: str
    group: str  # reference | platform | his | pharmacy | inventory | casework
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    # reference feeds are full snapshots: the newest period is the current state
    snapshot: bool = False
    # (begin, end) pairs where end before begin is impossible and quarantines the row
    order_pairs: tuple[tuple[str, str], ...] = ()
    description: str = ""
    sender_kind: str = "institution"  # institution | centre
    usual_format: str = "csv"
    # row rules beyond single fields: (SQL condition over the typed, quoted columns, reason code);
    # a row meeting a condition is quarantined with that reason
    row_checks: tuple[tuple[str, str], ...] = ()
    # feeds whose rows this feed's rows refer to: always loaded before it (discovery order; loading this
    # feed alone loads their pending files first) — the reference check runs against what they hold
    after: tuple[str, ...] = ()
    # (column, feed, column of that feed): a value the referenced snapshot feed does not hold in its
    # snapshot current for this delivery's period (the newest period not after it) quarantines the
    # row as ``unknown_<feed>(column)``; the referenced feed must be in ``after``
    references: tuple[tuple[str, str, str], ...] = ()
    field_by_code: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_by_code", {f.code: f for f in self.fields})
        for k in self.key:
            if k not in self.field_by_code:
                raise ValueError(f"feed {self.name}: key column {k} is not a field")
        for col, other, _ in self.references:
            if col not in self.field_by_code or other not in self.after:
                raise ValueError(f"feed {self.name}: reference {col} -> {other} needs the field and after=({other!r},)")

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.code for f in self.fields if f.required]

    @property
    def sensitive(self) -> list[str]:
        return [f.code for f in self.fields if f.sensitive]


def F(code: str, label: str = "", type: str = "code", req: bool = False, **kw) -> Field:  # noqa: A002
    return Field(code=code, label_zh=label, type=type, required=req, **kw)


# ---------------------------------------------------------------- the knowledge base (两库)
# KNOWLEDGE_BASE.md: the rules a knowledge point may parameterise, and the parameters each rule needs.
KB_RULE_CODES: tuple[str, ...] = ("R03", "R04", "R10", "R11", "R12", "R13", *(f"R{n}" for n in range(23, 30)))

# rule -> requirements; a requirement is a tuple of alternatives, an alternative the fields that must
# all be filled. A point meeting none of a requirement's alternatives is quarantined as
# ``missing_parameter(<alternatives>)``: fields of one alternative joined by ``+``, alternatives by ``|``
# (``missing_parameter(period_days+max_cnt|min_interval_days)``).
KB_POINT_PARAMETERS: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = {
    "R04": ((("max_cnt",),), (("period",),)),
    "R10": ((("lmt_gend",),),),
    "R11": ((("lmt_age_min",), ("lmt_age_max",), ("lmt_age_max_days",)),),
    "R12": ((("lmt_dise_codes",),),),
    "R13": ((("lmt_hosp_lv_min",), ("lmt_med_types",)),),
    "R23": ((("max_days",),), (("course_scope",),)),
    "R24": ((("period_days", "max_cnt"), ("min_interval_days",)),),
    "R25": ((("max_amount",),),),
    "R26": ((("herb_mode",),),),
    "R29": ((("lmt_gend",), ("lmt_age_min",), ("lmt_age_max",), ("lmt_age_max_days",)),),
}

# rules whose points need side-B codes of a code type (checked across the two feeds by the quality gate:
# the loader reads kb_point before kb_point_code, so a point cannot wait for its codes)
KB_SIDE_B_REQUIRED: dict[str, str] = {"R03": "hilist", "R27": "hilist", "R28": "icd10"}

# the code type each side of a rule's points holds (R29's side A are diagnoses); a side not listed is unused
KB_CODE_TYPES: dict[str, dict[str, str]] = {
    **{r: {"A": "hilist"} for r in KB_RULE_CODES},
    "R03": {"A": "hilist", "B": "hilist"},
    "R27": {"A": "hilist", "B": "hilist"},
    "R28": {"A": "hilist", "B": "icd10"},
    "R29": {"A": "icd10"},
}


def missing_parameter_reason(alternatives: tuple[tuple[str, ...], ...]) -> str:
    return "missing_parameter(" + "|".join("+".join(alt) for alt in alternatives) + ")"


def _kb_point_checks() -> tuple[tuple[str, str], ...]:
    known = ", ".join(f"'{r}'" for r in KB_RULE_CODES)
    out = [(f'"rule_code" is not null and "rule_code" not in ({known})', "unknown_rule_code(rule_code)")]
    for rule, requirements in KB_POINT_PARAMETERS.items():
        for alternatives in requirements:
            met = " or ".join("(" + " and ".join(f'"{c}" is not null' for c in alt) + ")" for alt in alternatives)
            out.append((f"\"rule_code\" = '{rule}' and not ({met})", missing_parameter_reason(alternatives)))
    return tuple(out)


# case_hit_review: 1 确认违规, 2 部分确认, 3 排除（不予认定） (the code_hit_review_decision seed names them); a
# review that confirms a violation (1 or 2) must say how much: without 认定违规金额 the row is quarantined
HIT_REVIEW_DECISIONS: tuple[str, ...] = ("1", "2", "3")
HIT_REVIEW_AMOUNT_REASON = "missing_confirmed_amt(confirmed_amt)"
HIT_REVIEW_AMOUNT_CHECK = "\"decision\" in ('1', '2') and \"confirmed_amt\" is null"


FEEDS_LIST: tuple[FeedSpec, ...] = (
    # ------------------------------------------------------------------ reference data
    FeedSpec(
        "fixmedins",
        "定点医药机构",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("fixmedins_code",),
        description="Designated institutions (hospitals, clinics, retail pharmacies).",
        fields=(
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("fixmedins_name", "定点医药机构名称", "text", req=True),
            F("fixmedins_type", "机构类型", req=True, numeric_ok=True),
            F("hosp_lv", "医院等级", numeric_ok=True),
            F("econ_type", "经济类型", numeric_ok=True),
            F("admdvs", "所在行政区划", req=True, numeric_ok=True),
            F("uscc", "统一社会信用代码"),
            F("open_time", "营业开始时间", "hhmm"),
            F("close_time", "营业结束时间", "hhmm"),
        ),
    ),
    FeedSpec(
        "fixmedins_agreement",
        "定点协议",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("fixmedins_code", "agreement_no", "begndate"),
        order_pairs=(("begndate", "enddate"),),
        description="Service agreements; a 暂停/解除 row covers begndate..enddate.",
        fields=(
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("agreement_no", "协议编号", req=True),
            F("begndate", "协议开始日期", "date", req=True, future_ok=True),
            F("enddate", "协议结束日期", "date", req=True, future_ok=True),
            F("agreement_status", "协议状态", req=True, numeric_ok=True),
        ),
    ),
    FeedSpec(
        "psn",
        "参保人员",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("psn_no",),
        description="Insured persons. certno, psn_name and tel are sensitive.",
        fields=(
            F("psn_no", "人员编号", req=True),
            F("certno", "证件号码", "certno", req=True, sensitive=True),
            F("psn_name", "姓名", "text", req=True, sensitive=True),
            F("gend", "性别", req=True, numeric_ok=True),
            F("brdy", "出生日期", "date", req=True),
            F("insutype", "险种类型", numeric_ok=True),
            F("insu_admdvs", "参保地行政区划", req=True, numeric_ok=True),
            F("die_date", "死亡日期", "date"),
            F("tel", "联系电话", sensitive=True),
        ),
    ),
    FeedSpec(
        "hilist",
        "医保目录",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("hilist_code", "valid_from"),
        order_pairs=(("valid_from", "valid_to"),),
        description="The catalogue with its 限定支付 restrictions.",
        fields=(
            F("hilist_code", "医保目录编码", req=True),
            F("hilist_name", "医保目录名称", "text", req=True),
            F("list_type", "目录类别", req=True, numeric_ok=True),
            F("chrgitm_lv", "收费项目等级"),
            F("med_chrgitm_type", "医疗收费项目类别", req=True),
            F("pric_uplmt_amt", "最高限价", "price"),
            F("lmt_gend", "限定性别", numeric_ok=True),
            F("lmt_age_min", "限定最小年龄", "int"),
            F("lmt_age_max", "限定最大年龄", "int"),
            F("lmt_dise_codes", "限定支付疾病"),
            F("lmt_hosp_lv_min", "限定医院等级", "int"),
            F("lmt_ipt_only", "限住院使用", numeric_ok=True),
            F("max_daily_cnt", "每日限定数量", "qty"),
            F("units_per_day", "日用量", "qty"),
            F("valid_from", "有效期开始", "date", future_ok=True),
            F("valid_to", "有效期结束", "date", future_ok=True),
        ),
    ),
    FeedSpec(
        "practitioner",
        "医保医师/药师",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("dr_code",),
        order_pairs=(("valid_from", "valid_to"),),
        description="Registered physicians and pharmacists.",
        fields=(
            F("dr_code", "医保医师编码", req=True),
            F("dr_name", "姓名", "text", req=True),
            F("fixmedins_code", "执业机构", req=True),
            F("cert_status", "资格状态", req=True, numeric_ok=True),
            F("valid_from", "有效期开始", "date", future_ok=True),
            F("valid_to", "有效期结束", "date", future_ok=True),
        ),
    ),
    FeedSpec(
        "kb_point",
        "知识点",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("kb_point_id",),
        order_pairs=(("valid_from", "valid_to"),),
        row_checks=_kb_point_checks(),
        description="Knowledge points (两库): the parameters of a knowledge-driven rule, by batch and source.",
        fields=(
            F("kb_point_id", "知识点编号", req=True),
            F("rule_code", "规则代码", req=True),
            F("national_rule_code", "国家规则编码"),
            F("rule_name", "规则名称", "text", req=True),
            F("source", "来源", req=True, numeric_ok=True, values=("1", "2", "3")),
            F("batch", "批次", "text"),
            F("item_name", "项目名称", "text", req=True),
            F("condition_text", "限定条件", "text"),
            F("logic_text", "判断逻辑", "text"),
            F("result_level", "结果类型", numeric_ok=True, values=("1", "2")),
            F("lmt_gend", "限定性别", numeric_ok=True, values=("1", "2")),
            F("lmt_age_min", "限定最小年龄", "int"),
            F("lmt_age_max", "限定最大年龄", "int"),
            F("lmt_age_max_days", "限定最大日龄", "int"),
            F("lmt_med_types", "限定医疗类别", numeric_ok=True),
            F("lmt_hosp_lv_min", "限定医院等级", numeric_ok=True),
            F("lmt_dise_codes", "限定支付疾病"),
            F("max_cnt", "限定数量", "qty"),
            F("period", "计数周期", values=("day", "visit")),
            F("period_days", "周期天数", "int"),
            F("min_interval_days", "最短间隔天数", "int"),
            F("max_days", "限定疗程天数", "int"),
            F("course_scope", "疗程范围", values=("visit", "year")),
            F("max_amount", "限定报销总额", "money"),
            F("herb_mode", "饮片支付方式", values=("all", "single")),
            F("pair_scope", "同时收费范围", values=("day", "visit")),
            F("valid_from", "生效日期", "date", future_ok=True),
            F("valid_to", "失效日期", "date", future_ok=True),
        ),
    ),
    FeedSpec(
        "kb_point_code",
        "知识点对应编码",
        "reference",
        sender_kind="centre",
        snapshot=True,
        key=("kb_point_id", "side", "code"),
        after=("kb_point",),
        references=(("kb_point_id", "kb_point", "kb_point_id"),),
        description="The codes of each knowledge point: side A the restricted items (R29: diagnoses), side B "
        "the other side of a pair, a required item or a contraindicated diagnosis.",
        fields=(
            F("kb_point_id", "知识点编号", req=True),
            F("side", "编码角色", req=True, values=("A", "B")),
            F("code_type", "编码类型", req=True, values=("hilist", "icd10")),
            F("code", "编码", req=True),
            F("code_name", "名称", "text"),
        ),
    ),
    # ------------------------------------------------------------ settlement platform
    FeedSpec(
        "mdtrt",
        "就诊信息",
        "platform",
        sender_kind="centre",
        usual_format="parquet",
        key=("mdtrt_id",),
        order_pairs=(("begntime", "endtime"),),
        description="Visits (MDTRT_D).",
        fields=(
            F("mdtrt_id", "就诊ID", req=True),
            F("psn_no", "人员编号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("med_type", "医疗类别", req=True, numeric_ok=True),
            F("begntime", "开始时间", "datetime", req=True),
            F("endtime", "结束时间", "datetime"),
            F("dscg_maindiag_code", "主要诊断编码"),
            F("dscg_maindiag_name", "主要诊断名称", "text"),
            F("adm_dept_codg", "入院科别"),
            F("atddr_code", "主治医师编码"),
            F("dscg_way", "离院方式", numeric_ok=True),
            F("insu_admdvs", "参保地", numeric_ok=True),
        ),
    ),
    FeedSpec(
        "setl",
        "结算信息",
        "platform",
        sender_kind="centre",
        usual_format="parquet",
        key=("setl_id",),
        description="Settlements (SETL_D).",
        fields=(
            F("setl_id", "结算ID", req=True),
            F("mdtrt_id", "就诊ID", req=True),
            F("psn_no", "人员编号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("setl_time", "结算时间", "datetime", req=True),
            F("medfee_sumamt", "医疗费总额", "money", req=True),
            F("fulamt_ownpay_amt", "全自费金额", "money"),
            F("inscp_amt", "符合范围金额", "money"),
            F("hifp_pay", "统筹基金支出", "money"),
            F("fund_pay_sumamt", "基金支付总额", "money", req=True),
            F("acct_pay", "个人账户支出", "money", req=True),
            F("psn_cash_pay", "个人现金支出", "money", req=True),
            F("mdtrt_cert_type", "就诊凭证类型"),
            F("refd_setl_flag", "退费结算标志", numeric_ok=True),
            F("init_setl_id", "原结算ID"),
        ),
    ),
    FeedSpec(
        "fee_list",
        "费用明细",
        "platform",
        sender_kind="centre",
        usual_format="parquet",
        key=("feedetl_sn",),
        description="Fee detail lines (FEE_LIST_D).",
        fields=(
            F("feedetl_sn", "费用明细流水号", req=True),
            F("mdtrt_id", "就诊ID", req=True),
            F("setl_id", "结算ID", req=True),
            F("psn_no", "人员编号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("fee_ocur_time", "费用发生时间", "datetime", req=True),
            F("hilist_code", "医保目录编码", req=True),
            F("hilist_name", "医保目录名称", "text"),
            F("medins_list_code", "医药机构目录编码"),
            F("list_type", "目录类别", req=True, numeric_ok=True),
            F("med_chrgitm_type", "医疗收费项目类别"),
            F("cnt", "数量", "qty", req=True),
            F("pric", "单价", "price", req=True),
            F("det_item_fee_sumamt", "明细项目费用总额", "money", req=True),
            F("pric_uplmt_amt", "最高限价", "price"),
            F("bilg_dept_codg", "开单科室编码"),
            F("bilg_dr_code", "开单医生编码"),
            F("drord_no", "医嘱号"),
            F("init_feedetl_sn", "原费用流水号"),
            F("drug_trac_codg", "药品追溯码"),
        ),
    ),
    FeedSpec(
        "setl_diag",
        "结算诊断",
        "platform",
        sender_kind="centre",
        usual_format="parquet",
        key=("mdtrt_id", "diag_code"),
        description="Settlement diagnoses (SETL_LIST_DIAG_D).",
        fields=(
            F("mdtrt_id", "就诊ID", req=True),
            F("diag_code", "诊断编码", req=True),
            F("diag_name", "诊断名称", "text", req=True),
            F("maindiag_flag", "主诊断标志", numeric_ok=True),
        ),
    ),
    # ----------------------------------------------------------------- HIS extracts
    FeedSpec(
        "his_ipt_register",
        "住院登记",
        "his",
        key=("fixmedins_code", "ipt_no"),
        order_pairs=(("adm_time", "dscg_time"),),
        description="HIS inpatient registrations.",
        fields=(
            F("ipt_no", "住院号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("mdtrt_id", "就诊ID"),
            F("adm_time", "入院时间", "datetime", req=True),
            F("dscg_time", "出院时间", "datetime"),
            F("adm_dept", "入院科室"),
            F("bed_no", "床号"),
            F("adm_diag_code", "入院诊断"),
            F("dscg_diag_code", "出院诊断"),
            F("atddr_code", "主治医师"),
        ),
    ),
    FeedSpec(
        "his_order",
        "医嘱",
        "his",
        key=("fixmedins_code", "drord_no"),
        order_pairs=(("start_time", "stop_time"),),
        description="HIS doctor's orders.",
        fields=(
            F("drord_no", "医嘱号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("ipt_no", "住院号"),
            F("mdtrt_id", "就诊ID"),
            F("order_type", "医嘱类型", numeric_ok=True),
            F("hilist_code", "医保目录编码"),
            F("medins_list_code", "医药机构目录编码"),
            F("item_name", "项目名称", "text"),
            F("start_time", "开始时间", "datetime", req=True),
            F("stop_time", "停止时间", "datetime"),
            F("dr_code", "开嘱医生"),
        ),
    ),
    FeedSpec(
        "his_charge",
        "院内收费明细",
        "his",
        key=("fixmedins_code", "charge_sn"),
        description="HIS in-hospital charge lines.",
        fields=(
            F("charge_sn", "收费流水号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("mdtrt_id", "就诊ID"),
            F("drord_no", "医嘱号"),
            F("hilist_code", "医保目录编码", req=True),
            F("medins_list_code", "医药机构目录编码"),
            F("cnt", "数量", "qty", req=True),
            F("pric", "单价", "price", req=True),
            F("amount", "金额", "money", req=True),
            F("charge_time", "收费时间", "datetime", req=True),
        ),
    ),
    # ------------------------------------------------------------- retail pharmacy
    FeedSpec(
        "phar_sale",
        "药店销售",
        "pharmacy",
        key=("fixmedins_code", "sale_sn"),
        description="Retail pharmacy sale lines (3505/3506).",
        fields=(
            F("sale_sn", "销售流水号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("setl_id", "结算ID"),
            F("psn_no", "人员编号"),
            F("sel_time", "销售时间", "datetime", req=True),
            F("med_list_codg", "医疗目录编码", req=True),
            F("fixmedins_hilist_id", "机构目录编码"),
            F("fixmedins_bchno", "批次号"),
            F("cnt", "数量", "qty", req=True),
            F("finl_trns_pric", "最终成交单价", "price", req=True),
            F("rx_flag", "处方药标志", numeric_ok=True),
            F("rxno", "处方号"),
            F("prsc_dr_code", "开方医师"),
            F("drug_trac_codg", "药品追溯码"),
            F("retn_flag", "退货标志", numeric_ok=True),
            F("init_sale_sn", "原销售流水号"),
        ),
    ),
    # ------------------------------------------------------------------------ 进销存
    FeedSpec(
        "inv_purchase",
        "采购/采购退货",
        "inventory",
        key=("fixmedins_code", "purc_sn"),
        description="Purchases and purchase returns (3503/3504).",
        fields=(
            F("purc_sn", "采购流水号", req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("med_list_codg", "医疗目录编码", req=True),
            F("fixmedins_hilist_id", "机构目录编码"),
            F("fixmedins_bchno", "批次号"),
            F("spler_name", "供应商", "text"),
            F("manu_lotnum", "生产批号"),
            F("cnt", "数量", "qty", req=True),
            F("finl_trns_pric", "单价", "price", req=True),
            F("purc_invo_no", "发票号"),
            F("purc_time", "入库/退货时间", "datetime", req=True),
            F("retn_flag", "退货标志", numeric_ok=True),
        ),
    ),
    FeedSpec(
        "inv_stocktake",
        "盘存",
        "inventory",
        key=("fixmedins_code", "med_list_codg", "invdate", "fixmedins_bchno"),
        description="Stocktakes (3501).",
        fields=(
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("med_list_codg", "医疗目录编码", req=True),
            F("invdate", "盘存日期", "date", req=True),
            F("inv_cnt", "库存数量", "qty", req=True),
            F("fixmedins_bchno", "批次号"),
        ),
    ),
    FeedSpec(
        "inv_change",
        "库存变更",
        "inventory",
        key=(),  # the contract gives no key: identical changes may legitimately repeat
        description="Stock changes (3502): 报损, 盘盈, 盘亏, 调入, 调出.",
        fields=(
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("med_list_codg", "医疗目录编码", req=True),
            F("inv_chg_type", "变更类型", numeric_ok=True),
            F("cnt", "数量", "qty", req=True),
            F("inv_chg_time", "变更时间", "datetime", req=True),
        ),
    ),
    # --------------------------------------------------------------------- casework
    FeedSpec(
        "case_inspection",
        "检查记录",
        "casework",
        sender_kind="centre",
        usual_format="xlsx",
        key=("insp_id",),
        description="Inspections by the bureau and their outcomes.",
        fields=(
            F("insp_id", aliases=("检查编号",), req=True),
            F("fixmedins_code", "定点医药机构编号", req=True),
            F("insp_date", aliases=("检查日期",), type="date", req=True),
            F("insp_type", aliases=("检查类型",), numeric_ok=True),
            F("has_problem", aliases=("是否发现问题",), numeric_ok=True),
            F("refused_amt", "拒付金额", "money"),
            F("recovered_amt", "追回金额", "money"),
            F("penalty_amt", "罚款金额", "money"),
            F("action", "处理方式", numeric_ok=True),
        ),
    ),
    FeedSpec(
        "case_clue",
        "线索处置",
        "casework",
        sender_kind="centre",
        usual_format="xlsx",
        key=("clue_id", "stage", "stage_date"),
        description="Handling stages recorded by supervisors against the warehouse's clue_id.",
        fields=(
            F("clue_id", aliases=("线索编号",), req=True),
            F("stage", aliases=("处置阶段",), req=True, numeric_ok=True),
            F("stage_date", aliases=("阶段日期",), type="date", req=True),
            F("confirmed_amt", "认定违规金额", "money"),
            F("handler", "经办人", "text", sensitive=True),
        ),
    ),
    FeedSpec(
        "case_hit_review",
        "疑点明细复核",
        "casework",
        sender_kind="centre",
        usual_format="xlsx",
        key=("hit_id", "review_date"),
        row_checks=((HIT_REVIEW_AMOUNT_CHECK, HIT_REVIEW_AMOUNT_REASON),),
        description="Reviews of single rule hits recorded by supervisors against the warehouse's hit_id; "
        "the latest review of a hit is its outcome.",
        fields=(
            F("hit_id", aliases=("疑点编号", "疑点ID"), req=True),
            F("review_date", aliases=("复核日期",), type="date", req=True),
            F("decision", aliases=("复核结论",), req=True, numeric_ok=True, values=HIT_REVIEW_DECISIONS),
            F("confirmed_amt", "认定违规金额", "money"),
            F("reviewer", "复核人", "text", sensitive=True),
            # free text a supervisor writes: it may name the person behind the hit, so it is kept with
            # the person-level data (supervisors only), like the reviewer's name
            F("reason", "理由", "text", sensitive=True),
        ),
    ),
    FeedSpec(
        "case_tipoff",
        "举报",
        "casework",
        sender_kind="centre",
        usual_format="xlsx",
        key=("tip_id",),
        description="Tip-offs (举报) and rewards.",
        fields=(
            F("tip_id", aliases=("举报编号",), req=True),
            F("received_date", aliases=("受理日期",), type="date", req=True),
            F("fixmedins_code", "定点医药机构编号"),
            F("verified", aliases=("是否查实",), numeric_ok=True),
            F("reward_amt", "奖励金额", "money"),
            F("reward_paid_date", "兑现日期", "date"),
        ),
    ),
)

FEEDS: dict[str, FeedSpec] = {f.name: f for f in FEEDS_LIST}

# Lineage columns on every raw row (in this order, after the contract columns).
LINEAGE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_extra", "varchar", "JSON object of delivered columns the contract does not know (kept, not dropped)"),
    ("_file", "varchar", "path of the delivered file, relative to the landing root"),
    ("_sha256", "varchar", "sha256 of the delivered file's bytes"),
    ("_batch_id", "varchar", "load batch (one per delivered file content)"),
    ("_line", "bigint", "line of the row in its file (CSV/xlsx: header is line 1; Parquet: row number)"),
    ("_sender", "varchar", "sender from the file name (fixmedins_code or centre admdvs)"),
    ("_period", "varchar", "YYYYMM period the delivery covers"),
    ("_seq", "varchar", "delivery sequence from the file name (empty when absent)"),
    ("_loaded_at", "timestamp", "load time, Asia/Shanghai"),
    ("_run_id", "varchar", "run that loaded the row"),
)


def _norm_label(label: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", label).strip().lower()


@cache
def global_labels() -> dict[str, frozenset[str]]:
    """Normalised label -> the field codes it names anywhere in the contract ("labels are global")."""
    out: dict[str, set[str]] = {}
    for feed in FEEDS_LIST:
        for f in feed.fields:
            for label in (f.label_zh, *f.aliases):
                if label:
                    out.setdefault(_norm_label(label), set()).add(f.code)
    return {k: frozenset(v) for k, v in out.items()}


def resolve_header(feed: FeedSpec, header: str) -> str | None:
    """Map one delivered header cell to a field code of ``feed``; ``None`` = extra column.

    Order: the field code itself, then this feed's own labels, then a label the contract gives
    the same code in another feed. A label naming two of this feed's fields is not guessed.
    """
    h = _norm_label(header)
    if h in feed.field_by_code:
        return h
    own = [f.code for f in feed.fields if h in {_norm_label(x) for x in (f.label_zh, *f.aliases) if x}]
    if len(own) == 1:
        return own[0]
    candidates = [c for c in global_labels().get(h, ()) if c in feed.field_by_code]
    if len(candidates) == 1:
        return candidates[0]
    return None


def raw_table_ddl(feed: FeedSpec, schema: str = "raw") -> str:
    cols = [f'    "{f.code}" {f.sql_type}' for f in feed.fields]
    cols += [f'    "{name}" {typ}' for name, typ, _ in LINEAGE_COLUMNS]
    return f'create table if not exists "{schema}"."{feed.name}" (\n' + ",\n".join(cols) + "\n)"


SOURCE_GROUPS: dict[str, str] = {
    "reference": "Reference data from the centre (monthly full snapshots)",
    "platform": "Settlement platform extracts (MDTRT_D, SETL_D, FEE_LIST_D, SETL_LIST_DIAG_D)",
    "his": "Hospital HIS extracts (institutions, monthly)",
    "pharmacy": "Retail pharmacy sales (3505/3506)",
    "inventory": "进销存: purchases, stocktakes, stock changes (3501-3504)",
    "casework": "The bureau's own casework records",
}


def render_dbt_sources(group: str) -> str:
    """dbt sources YAML for one source group, generated from the specs (kept in sync by a test).

    Every raw table lives in schema ``raw``; the source name is the delivering system, so staging
    models read ``stg_<group>__<entity>``.
    """
    lines = [
        "# GENERATED from ingest/specs.py by `python -m ingest.specs` — do not edit by hand.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {group}",
        "    schema: raw",
        f'    description: "{SOURCE_GROUPS[group]}; rows as loaded by ingest/ (typed, lineage _*)."',
        "    tables:",
    ]
    for feed in (f for f in FEEDS_LIST if f.group == group):
        key = ", ".join(feed.key) if feed.key else "none (the contract gives none)"
        lines += [
            f"      - name: {feed.name}",
            f'        description: "{feed.label_zh} — {feed.description} Contract key: {key}."',
            "        config:",
            "          meta:",
            f"            label_zh: {feed.label_zh}",
            "            dagster:",
            f"              asset_key: [raw, {feed.name}]",
            "        columns:",
        ]
        for f in feed.fields:
            lines.append(f"          - name: {f.code}")
            label = f.label_zh or (f.aliases[0] if f.aliases else "")
            if label or f.sensitive:
                lines += ["            config:", "              meta:"]
                if label:
                    lines.append(f"                label_zh: {label}")
                if f.sensitive:
                    lines.append("                pii: true")
    return "\n".join(lines) + "\n"


def dbt_sources_path(group: str):
    from warehouse.settings import DBT_PROJECT_DIR

    return DBT_PROJECT_DIR / "models" / "staging" / group / f"_{group}__sources.yml"


if __name__ == "__main__":  # pragma: no cover - regenerates the dbt sources files
    for g in SOURCE_GROUPS:
        path = dbt_sources_path(g)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_dbt_sources(g), encoding="utf-8")
        print(f"wrote {path}")
