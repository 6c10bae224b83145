"""Export a quarter's clue list as the workbook supervisors fill in and deliver back as ``case_clue``.

    python -m exports.clue_sheet --quarter 2025Q1 [--out clues_2025Q1.xlsx]

Reads the supervisor export (a read-only copy, so it works while a run writes the warehouse). The
first five columns are the ``case_clue`` contract's (线索编号, 处置阶段, 阶段日期, 认定违规金额, 经办人);
the rest are for reference and are kept in ``_extra`` when the workbook comes back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb
import xlsxwriter

from warehouse.settings import settings

COLUMNS = [
    ("clue_id", "线索编号", 26),
    (None, "处置阶段", 10),
    (None, "阶段日期", 12),
    (None, "认定违规金额", 14),
    (None, "经办人", 10),
    ("fixmedins_name", "机构名称", 28),
    ("suspect_amount", "疑点金额", 14),
    ("top_rules", "主要违规规则", 40),
    ("must_report", "要情报告", 10),
    ("report_due_date", "报告截止日期", 14),
    ("latest_stage_name", "最新处置阶段", 14),
]
STAGES = "1 初审, 2 复审, 3 申诉, 4 调查核实, 5 违规处理, 9 排除"


def write_sheet(quarter: str, out: Path, export_db: Path) -> int:
    con = duckdb.connect(str(export_db), read_only=True)
    try:
        cols = ", ".join(c for c, _, _ in COLUMNS if c)
        rows = con.execute(
            f"select {cols} from supervisor.supervisor_clue_list where year_quarter = ? order by priority_rank",
            [quarter],
        ).fetchall()
    finally:
        con.close()
    # text from the warehouse (institution names, rules) is never a formula: '=1+1' stays text
    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("线索处置")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, (_, label, width) in enumerate(COLUMNS):
        ws.write_string(0, j, label, head)
        ws.set_column(j, j, width, money if "金额" in label else date if "日期" in label else None)
    ws.freeze_panes(1, 1)
    ws.data_validation(
        1,
        1,
        max(len(rows), 1) + 200,
        1,
        {
            "validate": "list",
            "source": ["1", "2", "3", "4", "5", "9"],
            "input_title": "处置阶段",
            "input_message": STAGES,
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
            elif col == "suspect_amount" and v is not None:
                ws.write_number(i, j, float(v))
            elif v is not None:
                ws.write_string(i, j, str(v))
    wb.close()
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    cfg = settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quarter", required=True, help="e.g. 2025Q1")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--export-db", type=Path, default=cfg.output_dir / "supervisor" / "yibao_supervisor.duckdb")
    args = ap.parse_args(argv)
    out = args.out or Path(f"clues_{args.quarter}.xlsx")
    if not args.export_db.exists():
        print(f"no supervisor export at {args.export_db}: run `make run` first", file=sys.stderr)
        return 2
    n = write_sheet(args.quarter, out, args.export_db)
    print(
        f"wrote {n} clue(s) of {args.quarter} to {out}: fill in 处置阶段 ({STAGES}), 阶段日期, 认定违规金额 and "
        f"经办人, then deliver it as <landing>/case_clue/<YYYYMM>/<centre admdvs>_case_clue_<YYYYMM>.xlsx"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
