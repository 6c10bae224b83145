"""The quality gate validates what may have changed since the verdicts it recorded (expectations/scope.py),
and its verdicts are those of a gate that validates every delivery.

One warehouse grows as a bureau's does: eleven months, then the twelfth, then a correction of an earlier
settlement extract that drops a settlement, then a correction of an earlier fee-line extract that
changes an amount. After each step the incremental gate's verdicts (quality.delivery_quality) are
compared with those of a gate over every delivery, on a copy of the same warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from expectations.quality import write_delivery_quality_file
from expectations.runner import run_gate
from tests.helpers import load, query

LAST = "202512"


def _link(src: Path, dst: Path, keep) -> None:
    for f in src.rglob("*"):
        if f.is_file() and keep(f.parent.name):
            d = dst / f.relative_to(src)
            d.parent.mkdir(parents=True, exist_ok=True)
            if not d.exists():
                shutil.copy(f, d)


def _gate(wh: Path, out: Path, **kw):
    res = run_gate(wh, out, **kw)
    write_delivery_quality_file(wh, res)
    return res


def _verdicts(wh: Path) -> dict[str, tuple]:
    """file -> (verdict, failed checks) of every loaded delivery. The volume check judges a delivery
    against its sender's other deliveries when it is validated (later ones do not re-open it), so it is
    left out of the comparison and of the verdict."""
    out = {}
    for file, verdict, checks in query(
        wh, "select file, verdict, failed_checks from quality.delivery_quality where status = 'loaded'"
    ):
        failed = [c for c in json.loads(checks or "[]") if ".volume." not in c["check_id"]]
        if verdict != "not_validated":
            verdict = "fail" if any(c["severity"] == "critical" for c in failed) else "warn" if failed else "pass"
        out[file] = (verdict, sorted((c["check_id"], c["unexpected"]) for c in failed))
    return out


def _same_as_full(wh: Path, tmp: Path, name: str) -> dict[str, tuple]:
    full = tmp / f"{name}-full.duckdb"
    shutil.copy(wh, full)
    _gate(full, tmp / f"{name}-full-out", incremental=False)
    got, want = _verdicts(wh), _verdicts(full)
    assert got == want, {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
    return got


def _rewrite(path: Path, change) -> None:
    t = change(pq.read_table(path))
    os.chmod(path, 0o644)
    pq.write_table(t, path)


@pytest.fixture(scope="module")
def grown(sample_tree, tmp_path_factory):
    landing, _ = sample_tree
    base = tmp_path_factory.mktemp("gate-scope")
    tree, wh, out = base / "landing", base / "wh.duckdb", base / "out"
    _link(landing, tree, lambda p: p.isdigit() and p < LAST)
    load(tree, wh, run_id="history")
    first = _gate(wh, out)
    _link(landing, tree, lambda p: p == LAST)
    load(tree, wh, run_id="month")
    month = _gate(wh, out)
    return {"base": base, "tree": tree, "wh": wh, "out": out, "first": first, "month": month}


def test_first_run_validates_everything_and_the_month_only_what_changed(grown, tmp_path):
    first, month = grown["first"], grown["month"]
    assert all(not fr.carried_batches for fr in first.feeds.values())
    assert first.feeds["psn"].scope_note.startswith("all deliveries")
    psn = month.feeds["psn"]
    n_psn = len(psn.batches)
    # psn is a monthly snapshot: only the new month's is validated, the others keep their pass
    assert psn.validated_batches == 1 and psn.carried_batches == n_psn - 1, psn.scope_note
    assert "1 new" in psn.scope_note and f"periods changed: {LAST}" in psn.scope_note
    fee = month.feeds["fee_list"]
    assert fee.carried_batches > 0 and fee.validated_batches < len(fee.batches)
    # the knowledge points read their code rows whole: a new code snapshot re-opens every point
    assert month.feeds["kb_point"].scope_note.startswith("all deliveries: kb_point_code changed")
    _same_as_full(grown["wh"], tmp_path, "month")
    # the pass a delivery kept names the validation it came from; its page is the one written then
    kept = next(b for b in psn.batches if b.carried)
    assert kept.validated_by == grown["first"].run_id and kept.verdict == "pass"
    page = grown["out"] / "quality" / kept.page
    assert grown["first"].run_id in page.read_text(encoding="utf-8")
    feed_page = (grown["out"] / "quality" / "feeds" / "psn.html").read_text(encoding="utf-8")
    assert f"其余 <b>{n_psn - 1}</b> 份此前已在同一规则集下通过" in feed_page


def test_a_correction_that_drops_a_settlement_revalidates_what_refers_to_it(grown, tmp_path):
    tree, wh = grown["tree"], grown["wh"]
    setl_file = sorted((tree / "setl").rglob("*.parquet"))[2]
    period = setl_file.parent.name
    dropped = pq.read_table(setl_file).column("setl_id")[0].as_py()
    _rewrite(setl_file, lambda t: t.slice(1))
    load(tree, wh, run_id="setl-correction")
    res = _gate(wh, grown["out"])
    fee = res.feeds["fee_list"]
    assert fee.scope_note.startswith("all deliveries: a correction replaced a delivery of setl"), fee.scope_note
    got = _same_as_full(wh, tmp_path, "setl")
    fee_file = next(f for f in got if f.startswith(f"fee_list/{period}/"))
    assert got[fee_file][0] == "fail"
    assert any(c == "fee_list.reference.setl_id_in_setl" for c, _ in got[fee_file][1]), dropped


def test_a_fee_line_correction_revalidates_the_settlements_of_its_period(grown, tmp_path):
    tree, wh = grown["tree"], grown["wh"]
    fee_file = sorted((tree / "fee_list").rglob("*.parquet"))[4]
    period = fee_file.parent.name

    def more(t: pa.Table) -> pa.Table:
        cnt, pric = t.column("cnt").to_pylist(), t.column("pric").to_pylist()
        amt = t.column("det_item_fee_sumamt").to_pylist()
        cnt[0] = cnt[0] + 1  # one more unit billed: the line stays cnt × pric, its settlement no longer adds up
        amt[0] = (Decimal(str(cnt[0])) * Decimal(str(pric[0]))).quantize(Decimal("0.01"))
        for name, values in (("cnt", cnt), ("det_item_fee_sumamt", amt)):
            i = t.schema.get_field_index(name)
            t = t.set_column(i, name, pa.array(values, type=t.schema.field(name).type))
        return t

    _rewrite(fee_file, more)
    load(tree, wh, run_id="fee-correction")
    res = _gate(wh, grown["out"])
    setl = res.feeds["setl"]
    # the settlements are judged against the fee lines of their own period: only that period's extract
    # (and any with findings) is validated again
    assert setl.carried_batches > 0 and f"periods changed: {period}" in setl.scope_note, setl.scope_note
    got = _same_as_full(wh, tmp_path, "fee")
    setl_file = next(f for f in got if f.startswith(f"setl/{period}/"))
    assert got[setl_file][0] == "fail"
    assert any(c == "setl.arithmetic.total_eq_fee_lines" for c, _ in got[setl_file][1])
