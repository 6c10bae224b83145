"""Rule evidence (JSON) as text a supervisor reads: one line per fact, Chinese label first, code names
in brackets, nested blocks indented:

    医疗类别 med_type: 11（普通门诊）
    上次住院 prior_stay:
      就诊ID mdtrt_id: V1
    费用明细 lines: 共 2 条
      1. 费用明细流水号 feedetl_sn: F1；单价 pric: 12.5

The raw ``evidence`` JSON stays the contract (fct_rule_hits); this rendering is added beside it in the
supervisor export (``evidence_text``). Labels and code names come from ``exports.labels``.
"""

from __future__ import annotations

import json
from pathlib import Path

from exports.labels import codes_for, label_of

INDENT = "  "


def _scalar(key: str, value) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    name = codes_for(key).get(str(value)) if not isinstance(value, float) else None
    return f"{text}（{name}）" if name else text


def _head(key: str, manifest_path: Path | None) -> str:
    label = label_of(key, manifest_path)
    return f"{label} {key}" if label else key


def _inline(obj: dict, manifest_path: Path | None) -> str:
    """A small object on one line: 标签 key: value；标签 key: value."""
    parts = []
    for k, v in obj.items():
        if isinstance(v, dict | list):
            v = json.dumps(v, ensure_ascii=False)
            parts.append(f"{_head(k, manifest_path)}: {v}")
        else:
            parts.append(f"{_head(k, manifest_path)}: {_scalar(k, v)}")
    return "；".join(parts)


def _lines(obj: dict, depth: int, manifest_path: Path | None) -> list[str]:
    out = []
    pad = INDENT * depth
    for key, value in obj.items():
        head = _head(key, manifest_path)
        if isinstance(value, dict):
            out.append(f"{pad}{head}:")
            out.extend(_lines(value, depth + 1, manifest_path))
        elif isinstance(value, list):
            if all(not isinstance(x, dict | list) for x in value):
                out.append(f"{pad}{head}: {', '.join(_scalar(key, x) for x in value) if value else '（无）'}")
                continue
            out.append(f"{pad}{head}: 共 {len(value)} 条")
            for i, item in enumerate(value, 1):
                if isinstance(item, dict) and not any(isinstance(v, dict | list) for v in item.values()):
                    out.append(f"{pad}{INDENT}{i}. {_inline(item, manifest_path)}")
                elif isinstance(item, dict):
                    out.append(f"{pad}{INDENT}{i}.")
                    out.extend(_lines(item, depth + 2, manifest_path))
                else:
                    out.append(f"{pad}{INDENT}{i}. {json.dumps(item, ensure_ascii=False)}")
        else:
            out.append(f"{pad}{head}: {_scalar(key, value)}")
    return out


def render_evidence(evidence: str | None, manifest_path: Path | None = None) -> str | None:
    """The evidence JSON as labelled text; text that is not a JSON object is returned as it is."""
    if evidence is None:
        return None
    try:
        obj = json.loads(evidence)
    except ValueError:
        return evidence
    if not isinstance(obj, dict):
        return evidence
    return "\n".join(_lines(obj, 0, manifest_path))


# keys whose values identify or describe a person beyond psn_no: never in a one-line summary (the
# evidence itself carries masks only, but a summary travels in workbooks)
_PERSONAL_KEY_PARTS = ("name", "certno", "tel", "brdy", "birth", "phone", "addr")


def _personal(key: str) -> bool:
    k = key.lower()
    return any(p in k for p in _PERSONAL_KEY_PARTS) and not k.endswith(("hilist_name", "diag_name", "item_name"))


def _summary_value(key: str, value, manifest_path: Path | None) -> str | None:
    if isinstance(value, dict):
        parts = [
            f"{label_of(k, manifest_path) or k} {_scalar(k, v)}"
            for k, v in value.items()
            if not _personal(k) and not isinstance(v, dict | list)
        ]
        return "，".join(parts) or None
    if isinstance(value, list):
        if all(not isinstance(x, dict | list) for x in value):
            return ", ".join(_scalar(key, x) for x in value) if value else "（无）"
        return f"共 {len(value)} 条"
    return _scalar(key, value)


def evidence_summary(evidence: str | None, manifest_path: Path | None = None, limit: int = 200) -> str | None:
    """The evidence on one line for a workbook cell: top-level facts, Chinese label first
    (``医疗类别 11（普通门诊）；上次住院 就诊ID V1，…``), nested lists counted, cut at ``limit``
    characters. Keys naming a person's name, ID, phone or birth date are left out, masked or not."""
    if evidence is None:
        return None
    try:
        obj = json.loads(evidence)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    parts = []
    for key, value in obj.items():
        if _personal(key):
            continue
        text = _summary_value(key, value, manifest_path)
        if text is not None:
            parts.append(f"{label_of(key, manifest_path) or key} {text}")
    line = " ".join("；".join(parts).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
