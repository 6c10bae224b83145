"""Export a quarter's clue list as the workbook supervisors fill in and deliver back as ``case_clue``.

    python -m exports.clue_sheet --quarter 2025Q1 [--period YYYYMM] [--sender ADMDVS] [--out-dir DIR]

The workbook is written under ``<YIBAO_OUTPUT_DIR>/clue_sheets/`` at the path it must have in the
landing tree, ``case_clue/<YYYYMM>/<centre admdvs>_case_clue_<YYYYMM>_<quarter>.xlsx`` (DATA_CONTRACT.md
"Landing layout"): copy that relative path, unchanged, under the landing root. ``YYYYMM`` is the month
of recording (default: this month, Asia/Shanghai); the quarter is the file's ``_<seq>``, so the sheets
of two quarters delivered in one month are two batches; a sheet whose name is already in the landing
tree gets ``-2``, ``-3`` … so it never replaces a delivered batch by accident. The centre's admdvs is
the 6-digit sender of the batches the warehouse loaded (or ``--sender``).

Sheet 线索处置: one row per handling stage. It starts with one row per clue (open clues first, then by
priority) whose first five columns are the ``case_clue`` contract's (线索编号, 处置阶段, 阶段日期,
认定违规金额, 经办人); a clue with several stages gets one row each (copy the row), a clue without a
stage is deleted. The other columns are for reference and are kept in ``_extra`` when the workbook
comes back. Sheet 填写说明 explains it all. Reads the supervisor export (a read-only copy, so it works
while a run writes the warehouse).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import xlsxwriter

from exports.labels import code_names
from warehouse.connection import connect_read_only
from warehouse.settings import settings

FEED = "case_clue"  # the contract's feed the filled-in sheet is delivered as (DATA_CONTRACT.md)
SHEET = "线索处置"
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
CLOSING_STAGES = ("5", "9")  # 办结 (mart_clues.is_closed)
QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")
PERIOD_RE = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")


def stage_codes() -> dict[str, str]:
    """{stage code: name} of the 处置阶段代码表 seed (the one list the warehouse names stages by)."""
    return dict(code_names().get("stage", {}))


def stages_text() -> str:
    return ", ".join(f"{code} {name}" for code, name in stage_codes().items())


def sheet_path(quarter: str, period: str, sender: str, taken=lambda rel: False) -> str:
    """The workbook's path relative to a landing root:
    ``case_clue/<period>/<sender>_case_clue_<period>_<quarter>.xlsx``, with ``-2``, ``-3`` … after the
    quarter while ``taken(rel)`` says that path is already delivered."""
    n = 1
    while True:
        seq = quarter if n == 1 else f"{quarter}-{n}"
        rel = f"{FEED}/{period}/{sender}_{FEED}_{period}_{seq}.xlsx"
        if not taken(rel):
            return rel
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


def _instructions(rel: str, n_rows: int) -> list[tuple[str, str]]:
    stages = stage_codes()
    closing = "、".join(f"{c} {stages.get(c, '')}" for c in CLOSING_STAGES)
    return [
        (
            "这份表是什么",
            f"本季度的线索清单（{n_rows} 条线索，未办结的在前，再按优先级），用于登记每条线索的处置阶段。",
        ),
        (
            "一行一个处置阶段",
            "工作表“线索处置”中每一行是一个处置阶段，不是一条线索。表中先为每条线索列了一行："
            "线索只有一个阶段时直接填写该行；同一线索有多个阶段（如先初审、再复审）时，复制该行，"
            "每个阶段一行，线索编号保持不变；本次没有处置阶段的线索，删除该行"
            "（留空的行不会载入，会作为缺少必填项记入隔离区 raw.quarantine）。",
        ),
        (
            "必须填写的列",
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
            "认定违规金额",
            "单位：元，最多两位小数，填数字（如 12345.60），不要写“万元”、不要加文字。"
            "未认定时留空；一般在 5 违规处理 时填写；9 排除 的线索认定金额按 0.00 计，无需填写。"
            "线索的认定金额取最近一次登记的金额；需要更正时，再登记一行（或更正该行后重新交付）。",
        ),
        ("经办人", "登记该阶段的经办人员姓名（仅监管人员可见，不进入BI）。"),
        ("参考列", "“办结状态”及其后的列仅供参考，交回时保留或删除均可，不会被当作处置记录。"),
        (
            "如何交付",
            f"保存后不要改文件名，按原相对路径放入数据接入目录（landing）：<landing>/{rel}。"
            "下一次 make run 会载入；在 supervisor.supervisor_clue_list 中查看线索的最新阶段与办结状态，"
            "在 supervisor.supervisor_clue_stages where not is_matched 中查看未能匹配线索的行及原因。",
        ),
        (
            "更正与再次交付",
            "同名文件再次交付会整体替换该文件上次交付的内容（请交付完整的表，不要只留新增的行）；"
            "在另一个月登记新的阶段时，请重新生成本表（make clue-sheet），文件名会带上新的月份。",
        ),
    ]


def write_sheet(quarter: str, out: Path, export_db: Path, rel: str | None = None) -> int:
    """Write the quarter's workbook to ``out``; returns the number of clues listed."""
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
    for i, row in enumerate(rows, 1):
        values = iter(row)
        for j, (col, _, _) in enumerate(COLUMNS):
            if col is None:
                continue
            v = next(values)
            if isinstance(v, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), date)
            elif isinstance(v, bool):
                ws.write_string(i, j, "是" if v else "否")
            elif col in MONEY_COLUMNS and v is not None:
                ws.write_number(i, j, float(v))
            elif v is not None:
                ws.write_string(i, j, str(v))
    help_ws = wb.add_worksheet(HELP_SHEET)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True, "valign": "top"})
    help_ws.set_column(0, 0, 18)
    help_ws.set_column(1, 1, 100)
    for i, (title, text) in enumerate(_instructions(rel or out.name, len(rows))):
        help_ws.write_string(i, 0, title, bold)
        help_ws.write_string(i, 1, text, wrap)
    wb.close()
    return len(rows)


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
    rel = sheet_path(args.quarter, period, sender, lambda r: (args.landing / r).exists())
    out = args.out_dir / rel
    n = write_sheet(args.quarter, out, args.export_db, rel)
    target = args.landing / rel
    print(
        f"wrote {n} clue(s) of {args.quarter} to {out}\n"
        f"  fill in one row per stage: 处置阶段 ({stages_text()}), 阶段日期 YYYY-MM-DD, 认定违规金额 (元) and "
        f"经办人; delete rows without a stage (sheet {HELP_SHEET} explains)\n"
        f"  then deliver it, file name unchanged, as {target}\n"
        f"  (e.g. mkdir -p {target.parent} && cp {out} {target}); the next `make run` loads it"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
