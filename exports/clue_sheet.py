"""Export a quarter's clue list and its hits as the workbook supervisors fill in and deliver back as
``case_clue`` (sheet 线索处置) and ``case_hit_review`` (sheet 疑点明细复核).

    python -m exports.clue_sheet --quarter 2025Q1 [--period YYYYMM] [--sender ADMDVS] [--out-dir DIR]

The workbook is written once under ``<YIBAO_OUTPUT_DIR>/clue_sheets/`` at the path it must have in the
landing tree as a ``case_clue`` delivery, ``case_clue/<YYYYMM>/<centre admdvs>_case_clue_<YYYYMM>_<quarter>.xlsx``
(DATA_CONTRACT.md "Landing layout"), and copied, byte for byte, to its ``case_hit_review`` path,
``case_hit_review/<YYYYMM>/<centre admdvs>_case_hit_review_<YYYYMM>_<quarter>.xlsx``: the supervisor fills in
one of them and delivers that one file under both names (the command prints both ``cp`` lines). The
loader reads, of a workbook, the worksheet named by the feed's label — 线索处置 for ``case_clue``,
疑点明细复核 for ``case_hit_review`` — so each feed takes its own sheet and the help sheet is never read.
``YYYYMM`` is the month of recording (default: this month, Asia/Shanghai); the quarter is the file's
``_<seq>``, so the sheets of two quarters delivered in one month are two batches; when either name is
already in the landing tree both get ``-2``, ``-3`` … so a new sheet never replaces a delivered batch by
accident. The centre's admdvs is the 6-digit sender of the batches the warehouse loaded (or ``--sender``).

Sheet 线索处置: one row per handling stage. It starts with one row per clue (open clues first, then by
priority) whose first five columns are the ``case_clue`` contract's (线索编号, 处置阶段, 阶段日期,
认定违规金额, 经办人); a clue with several stages gets one row each (copy the row), a clue without a
stage is deleted.

Sheet 疑点明细复核: one row per rule hit of the quarter (clues in list order, then by amount) whose first
six columns are the ``case_hit_review`` contract's (疑点编号, 复核日期, 复核结论, 认定违规金额, 复核人, 理由);
a hit not reviewed yet is deleted (left in, it is quarantined as missing 复核日期 / 复核结论 — visible,
never loaded as a review, exactly like an empty row of 线索处置). Then reference columns: rule, 结果类型,
institution, 疑点金额, date, clue and a one-line evidence summary (no names, 身份证号 or phones).

On both sheets the other columns are for reference and are kept in ``_extra`` when the workbook comes
back. Sheet 填写说明 explains it all. Reads the supervisor export (a read-only copy, so it works while a
run writes the warehouse).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import re
import shutil
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import xlsxwriter

from exports.evidence import evidence_summary
from exports.labels import code_names
from warehouse.connection import connect_read_only
from warehouse.settings import settings

FEED = "case_clue"  # the contract's feed the filled-in sheet is delivered as (DATA_CONTRACT.md)
REVIEW_FEED = "case_hit_review"  # … and the feed of the hit review sheet
# the sheets carry the feeds' Chinese labels (ingest/specs.py FeedSpec.label_zh): the loader reads, of a
# workbook delivered as a feed, the worksheet of that name (a test keeps them equal)
SHEET = "线索处置"
REVIEW_SHEET = "疑点明细复核"
HELP_SHEET = "填写说明"
COLUMNS = [
    ("clue_id", "线索编号", 26),
    (None, "处置阶段", 10),
    (None, "阶段日期", 12),
    (None, "认定违规金额", 14),
    (None, "经办人", 10),
    ("handling_status", "办结状态", 10),
    ("fixmedins_name", "机构名称", 28),
    ("suspect_amount", "疑点金额", 14),
    ("certain_amount", "其中明确违规金额", 16),
    ("review_amount", "其中可疑金额", 14),
    ("top_rules", "主要违规规则", 40),
    ("must_report", "要情报告", 10),
    ("report_due_date", "报告截止日期", 14),
    ("latest_stage_name", "最新处置阶段", 14),
    ("latest_stage_date", "最新处置日期", 14),
]
MONEY_COLUMNS = ("suspect_amount", "certain_amount", "review_amount")
# sheet 疑点明细复核: the case_hit_review contract's columns first, then reference columns
REVIEW_COLUMNS = [
    ("hit_id", "疑点编号", 34),
    (None, "复核日期", 12),
    (None, "复核结论", 10),
    (None, "认定违规金额", 14),
    (None, "复核人", 10),
    (None, "理由", 30),
    ("rule", "规则", 24),
    ("result_level_name", "结果类型", 10),
    ("fixmedins_name", "机构名称", 28),
    ("suspect_amount", "疑点金额", 14),
    ("occurred_on", "发生日期", 12),
    ("clue_id", "线索编号", 26),
    ("evidence_summary", "证据摘要", 80),
]
REVIEW_INPUT_COLUMNS = 6
RESULT_LEVEL_NAMES = {"1": "明确违规", "2": "可疑"}
CLOSING_STAGES = ("5", "9")  # 办结 (mart_clues.is_closed)
QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")
PERIOD_RE = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")


def stage_codes() -> dict[str, str]:
    """{stage code: name} of the 处置阶段代码表 seed (the one list the warehouse names stages by)."""
    return dict(code_names().get("stage", {}))


def stages_text() -> str:
    return ", ".join(f"{code} {name}" for code, name in stage_codes().items())


def decision_codes() -> dict[str, str]:
    """{decision code: name} of the 复核结论代码表 seed (code_hit_review_decision)."""
    return dict(code_names().get("decision", {}))


def decisions_text() -> str:
    return ", ".join(f"{code} {name}" for code, name in decision_codes().items())


def _rel(feed: str, quarter: str, period: str, sender: str, n: int) -> str:
    seq = quarter if n == 1 else f"{quarter}-{n}"
    return f"{feed}/{period}/{sender}_{feed}_{period}_{seq}.xlsx"


def sheet_path(quarter: str, period: str, sender: str, taken=lambda rel: False) -> str:
    """The workbook's path relative to a landing root:
    ``case_clue/<period>/<sender>_case_clue_<period>_<quarter>.xlsx``, with ``-2``, ``-3`` … after the
    quarter while ``taken(rel)`` says that path (or the same workbook's ``case_hit_review`` path) is
    already delivered."""
    return sheet_paths(quarter, period, sender, taken)[0]


def sheet_paths(quarter: str, period: str, sender: str, taken=lambda rel: False) -> tuple[str, str]:
    """(``case_clue`` path, ``case_hit_review`` path) of one workbook, with the same ``-2``, ``-3`` …
    suffix: the first number under which neither name is taken."""
    n = 1
    while True:
        rels = (_rel(FEED, quarter, period, sender, n), _rel(REVIEW_FEED, quarter, period, sender, n))
        if not any(taken(r) for r in rels):
            return rels
        n += 1


def centre_sender(warehouse: Path) -> str | None:
    """The centre's admdvs: the 6-digit sender of most batches the loader accepted (institutions send
    under their fixmedins_code), from the warehouse's load manifest; None when there is none."""
    if not Path(warehouse).exists():
        return None
    with contextlib.closing(connect_read_only(warehouse)) as con:
        row = con.execute(
            """
            select sender from raw.load_manifest
            where status = 'loaded' and regexp_full_match(sender, '[0-9]{6}')
            group by sender
            order by count(*) desc, sender
            limit 1
            """
        ).fetchone()
    return row[0] if row else None


def _instructions(rel: str, review_rel: str, n_rows: int, n_hits: int) -> list[tuple[str, str]]:
    stages = stage_codes()
    decisions = decision_codes()
    closing = "、".join(f"{c} {stages.get(c, '')}" for c in CLOSING_STAGES)
    return [
        (
            "这份表是什么",
            f"本季度的线索清单与疑点明细。工作表“{SHEET}”列出 {n_rows} 条线索（未办结的在前，再按优先级），"
            f"用于登记线索的处置阶段；工作表“{REVIEW_SHEET}”列出本季度的 {n_hits} 条规则疑点，"
            "用于登记逐条疑点的复核结论。"
            "两张表可以只填一张，也可以都填；本页（填写说明）不会被载入。",
        ),
        (
            "线索处置：一行一个处置阶段",
            f"工作表“{SHEET}”中每一行是一个处置阶段，不是一条线索。表中先为每条线索列了一行："
            "线索只有一个阶段时直接填写该行；同一线索有多个阶段（如先初审、再复审）时，复制该行，"
            "每个阶段一行，线索编号保持不变；本次没有处置阶段的线索，删除该行"
            "（留空的行不会载入，会作为缺少必填项记入隔离区 raw.quarantine）。",
        ),
        (
            "线索处置：必须填写的列",
            "线索编号、处置阶段、阶段日期。认定违规金额、经办人按需填写。不要修改列名，不要改动线索编号。",
        ),
        (
            "处置阶段代码",
            "填数字代码：" + "；".join(f"{c} = {n}" for c, n in stages.items()) + f"。{closing} 表示办结。",
        ),
        (
            "阶段日期",
            "该阶段办理的日期，格式 YYYY-MM-DD（如 2025-04-02），也可以是 Excel 日期单元格；"
            "不要填写时间或文字。同一线索同一阶段同一日期只登记一行：再次交付同一行（修正金额等）以最新交付为准。",
        ),
        (
            "认定违规金额（线索）",
            "单位：元，最多两位小数，填数字（如 12345.60），不要写“万元”、不要加文字。"
            "未认定时留空；一般在 5 违规处理 时填写；9 排除 的线索认定金额按 0.00 计，无需填写。"
            "线索的认定金额取最近一次登记的金额；需要更正时，再登记一行（或更正该行后重新交付）。",
        ),
        ("经办人", "登记该阶段的经办人员姓名（仅监管人员可见，不进入BI）。"),
        (
            "疑点明细复核：一行一条疑点",
            f"工作表“{REVIEW_SHEET}”中每一行是一条规则疑点（疑点编号由数据仓库生成，不要改动）。"
            "复核了的疑点填写复核日期、复核结论，按需填写认定违规金额、复核人、理由；"
            "本次没有复核的疑点，删除该行（留空的行不会作为复核载入，会作为缺少必填项（复核日期、复核结论）"
            "记入隔离区 raw.quarantine，与线索处置表留空的行一样）。",
        ),
        (
            "复核结论代码",
            "填数字代码："
            + "；".join(f"{c} = {n}" for c, n in decisions.items())
            + "。结论为 1 或 2 时必须填写认定违规金额（元），否则该行会被隔离（missing_confirmed_amt）；"
            "结论为 3 时认定违规金额按 0.00 计，无需填写。",
        ),
        (
            "复核日期与再次复核",
            "复核的日期，格式 YYYY-MM-DD。同一疑点同一日期只登记一行；同一疑点可在不同日期多次复核，"
            "以复核日期最晚的一次为该疑点的当前结论（如先确认、后经申诉排除）。",
        ),
        (
            "复核人、理由",
            "复核人填写复核人员姓名；理由填写认定或排除的依据（不要写参保人姓名、身份证号、电话）。"
            "两列仅监管人员可见，不进入BI。",
        ),
        (
            "参考列",
            "线索处置表“办结状态”及其后的列、疑点明细复核表“规则”及其后的列仅供参考，交回时保留或删除均可，"
            "不会被当作处置或复核记录。",
        ),
        (
            "如何交付",
            "保存后不要改文件名，把同一个文件按两个相对路径放入数据接入目录（landing）："
            f"<landing>/{rel}（载入“{SHEET}”表）和 <landing>/{review_rel}（载入“{REVIEW_SHEET}”表）。"
            "下一次 make run 会载入；在 supervisor.supervisor_clue_list 中查看线索的最新阶段与办结状态，"
            "在 supervisor.supervisor_clue_stages where not is_matched 中查看未能匹配线索的行及原因；"
            "在 supervision.mart_hit_reviews 中查看每条疑点的当前复核结论，"
            "在 supervisor.supervisor_hit_reviews where not is_matched 中查看未能匹配疑点的行及原因。",
        ),
        (
            "更正与再次交付",
            "同名文件再次交付会整体替换该文件上次交付的内容（请交付完整的表，不要只留新增的行）；"
            "在另一个月登记新的阶段或复核时，请重新生成本表（make clue-sheet），文件名会带上新的月份。",
        ),
    ]


def _quarter_hits(con, quarter: str, manifest_path: Path | None) -> list[tuple]:
    """The quarter's hits from supervisor_clue_hits, in the order of the clue list (then amount, id),
    as the values of REVIEW_COLUMNS' reference columns (none when the export has no hits view)."""
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'supervisor'"
        ).fetchall()
    }
    if "supervisor_clue_hits" not in tables:
        return []
    have = {r[0] for r in con.execute("describe supervisor.supervisor_clue_hits").fetchall()}

    def col(name: str) -> str:
        return f"h.{name}" if name in have else f"null as {name}"

    order = "h.clue_id"
    join = ""
    if "supervisor_clue_list" in tables:
        listed = {r[0] for r in con.execute("describe supervisor.supervisor_clue_list").fetchall()}
        rank = "list_rank" if "list_rank" in listed else "priority_rank" if "priority_rank" in listed else None
        if rank:
            join = "left join supervisor.supervisor_clue_list l on l.clue_id = h.clue_id"
            order = f"l.{rank} nulls last, h.clue_id"
    year, q = int(quarter[:4]), int(quarter[-1])
    rows = con.execute(
        f"""
        select h.hit_id, {col("rule_code")}, {col("rule_name_zh")}, {col("result_level")},
            {col("fixmedins_name")}, {col("suspect_amount")}, {col("occurred_on")}, {col("clue_id")},
            {col("evidence")}
        from supervisor.supervisor_clue_hits h {join}
        where extract(year from h.occurred_on) = ? and extract(quarter from h.occurred_on) = ?
        order by {order}, h.suspect_amount desc, h.hit_id
        """,
        [year, q],
    ).fetchall()
    out = []
    for hit_id, rule_code, rule_name, level, inst, amount, occurred_on, clue_id, evidence in rows:
        rule = " ".join(x for x in (rule_code, rule_name) if x)
        summary = evidence_summary(evidence, manifest_path)
        out.append((hit_id, rule or None, RESULT_LEVEL_NAMES.get(level), inst, amount, occurred_on, clue_id, summary))
    return out


def write_sheet(quarter: str, out: Path, export_db: Path, rel: str | None = None) -> int:
    """Write the quarter's workbook to ``out``; returns the number of clues listed."""
    return write_workbook(quarter, out, export_db, rel)[0]


def _write_rows(ws, columns, rows, date, money_columns) -> None:
    for i, row in enumerate(rows, 1):
        values = iter(row)
        for j, (col, _, _) in enumerate(columns):
            if col is None:
                continue
            v = next(values)
            if isinstance(v, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), date)
            elif isinstance(v, bool):
                ws.write_string(i, j, "是" if v else "否")
            elif col in money_columns and v is not None:
                ws.write_number(i, j, float(v))
            elif v is not None:
                ws.write_string(i, j, str(v))


def write_workbook(
    quarter: str,
    out: Path,
    export_db: Path,
    rel: str | None = None,
    review_rel: str | None = None,
    manifest_path: Path | None = None,
) -> tuple[int, int]:
    """Write the quarter's workbook to ``out``; returns (clues listed, hits listed)."""
    con = duckdb.connect(str(export_db), read_only=True)
    try:
        have = {r[0] for r in con.execute("describe supervisor.supervisor_clue_list").fetchall()}
        cols = [c for c, _, _ in COLUMNS if c]
        select = ", ".join(c if c in have else f"null as {c}" for c in cols)
        order = "list_rank" if "list_rank" in have else "priority_rank"
        rows = con.execute(
            f"select {select} from supervisor.supervisor_clue_list where year_quarter = ? order by {order}",
            [quarter],
        ).fetchall()
        hits = _quarter_hits(con, quarter, manifest_path)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    # text from the warehouse (institution names, rules) is never a formula: '=1+1' stays text
    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(SHEET)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    ref_head = wb.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, (_, label, width) in enumerate(COLUMNS):
        ws.write_string(0, j, label, head if j < 5 else ref_head)
        ws.set_column(j, j, width, money if "金额" in label else date if "日期" in label else None)
    ws.freeze_panes(1, 1)
    last = max(len(rows), 1) + 200
    ws.data_validation(
        1,
        0,
        last,
        0,
        {
            "validate": "any",
            "input_title": "一行一个处置阶段",
            "input_message": "同一线索有多个阶段时复制该行；没有阶段的线索删除该行（见“填写说明”）",
        },
    )
    ws.data_validation(
        1,
        1,
        last,
        1,
        {
            "validate": "list",
            "source": list(stage_codes()),
            "input_title": "处置阶段",
            "input_message": stages_text(),
        },
    )
    ws.data_validation(
        1,
        2,
        last,
        2,
        {
            "validate": "date",
            "criteria": ">=",
            "value": dt.datetime(2000, 1, 1),
            "input_title": "阶段日期",
            "input_message": "YYYY-MM-DD",
        },
    )
    ws.data_validation(
        1,
        3,
        last,
        3,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_title": "认定违规金额",
            "input_message": "元，两位小数；未认定留空",
        },
    )
    _write_rows(ws, COLUMNS, rows, date, MONEY_COLUMNS)

    rs = wb.add_worksheet(REVIEW_SHEET)
    for j, (_, label, width) in enumerate(REVIEW_COLUMNS):
        rs.write_string(0, j, label, head if j < REVIEW_INPUT_COLUMNS else ref_head)
        rs.set_column(j, j, width, money if "金额" in label else date if "日期" in label else None)
    rs.freeze_panes(1, 1)
    last = max(len(hits), 1) + 200
    rs.data_validation(
        1,
        0,
        last,
        0,
        {
            "validate": "any",
            "input_title": "一行一条疑点",
            "input_message": "疑点编号不要改动；本次没有复核的疑点删除该行（见“填写说明”）",
        },
    )
    rs.data_validation(
        1,
        1,
        last,
        1,
        {
            "validate": "date",
            "criteria": ">=",
            "value": dt.datetime(2000, 1, 1),
            "input_title": "复核日期",
            "input_message": "YYYY-MM-DD",
        },
    )
    rs.data_validation(
        1,
        2,
        last,
        2,
        {
            "validate": "list",
            "source": list(decision_codes()),
            "input_title": "复核结论",
            "input_message": decisions_text(),
        },
    )
    rs.data_validation(
        1,
        3,
        last,
        3,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_title": "认定违规金额",
            "input_message": "元，两位小数；结论 1、2 必填，3 留空",
        },
    )
    _write_rows(rs, REVIEW_COLUMNS, hits, date, ("suspect_amount",))

    help_ws = wb.add_worksheet(HELP_SHEET)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True, "valign": "top"})
    help_ws.set_column(0, 0, 22)
    help_ws.set_column(1, 1, 100)
    texts = _instructions(rel or out.name, review_rel or out.name, len(rows), len(hits))
    for i, (title, text) in enumerate(texts):
        help_ws.write_string(i, 0, title, bold)
        help_ws.write_string(i, 1, text, wrap)
    wb.close()
    return len(rows), len(hits)


def main(argv: list[str] | None = None) -> int:
    cfg = settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quarter", required=True, help="e.g. 2025Q1")
    ap.add_argument("--period", help="YYYYMM, the month of recording (default: this month)")
    ap.add_argument("--sender", help="the centre's 6-digit admdvs (default: the centre feeds' sender in the warehouse)")
    ap.add_argument("--warehouse", type=Path, default=cfg.warehouse)
    ap.add_argument("--out-dir", type=Path, default=cfg.output_dir / "clue_sheets")
    ap.add_argument("--landing", type=Path, default=cfg.landing_dir)
    ap.add_argument("--export-db", type=Path, default=cfg.output_dir / "supervisor" / "yibao_supervisor.duckdb")
    args = ap.parse_args(argv)
    if not QUARTER_RE.match(args.quarter or ""):
        print(f"--quarter must look like 2025Q1, not {args.quarter!r}", file=sys.stderr)
        return 2
    period = args.period or dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m")
    if not PERIOD_RE.match(period):
        print(f"--period must be YYYYMM, not {period!r}", file=sys.stderr)
        return 2
    sender = args.sender or centre_sender(args.warehouse)
    if not sender or not re.fullmatch(r"\d{6}", sender):
        print(
            f"no centre admdvs found in {args.warehouse}: give the centre's 6-digit admdvs with --sender",
            file=sys.stderr,
        )
        return 2
    if not args.export_db.exists():
        print(f"no supervisor export at {args.export_db}: run `make run` first", file=sys.stderr)
        return 2
    rel, review_rel = sheet_paths(args.quarter, period, sender, lambda r: (args.landing / r).exists())
    out = args.out_dir / rel
    review_out = args.out_dir / review_rel
    n, n_hits = write_workbook(args.quarter, out, args.export_db, rel, review_rel)
    # one workbook, two deliveries: the copy is byte for byte the same file (each feed reads its own sheet)
    review_out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out, review_out)
    target, review_target = args.landing / rel, args.landing / review_rel
    print(
        f"wrote {n} clue(s) and {n_hits} hit(s) of {args.quarter} to {out}\n"
        f"  (and the same workbook as {review_out})\n"
        f"  sheet {SHEET}: one row per stage: 处置阶段 ({stages_text()}), 阶段日期 YYYY-MM-DD, 认定违规金额 (元) "
        f"and 经办人; delete rows without a stage\n"
        f"  sheet {REVIEW_SHEET}: one row per hit: 复核日期, 复核结论 ({decisions_text()}), 认定违规金额 (元, "
        f"required for 1 and 2), 复核人, 理由; delete hits not reviewed (sheet {HELP_SHEET} explains)\n"
        f"  then deliver the filled-in file, name unchanged, under both names (each feed loads its own sheet):\n"
        f"    mkdir -p {target.parent} && cp {out} {target}\n"
        f"    mkdir -p {review_target.parent} && cp {out} {review_target}\n"
        f"  the next `make run` loads them"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
