"""The hit history (fct_hit_runs, fct_hit_changes, mart_hit_history) over six real dbt builds.

One warehouse for the module, hand-made raw rows, R05 分解住院 the only rule that hits (the later of
two stays of one person at one institution within 15 days, same diagnosis group):

* build A — January: V2 (PSN1 at H001, 500,000.00) and V4 (PSN2 at H002) hit; both new.
* build B — the January visits and settlements are corrected (the same batch delivered again, as the
  loader replaces a batch of the same sender, feed, period and seq): V4 and its settlement are gone,
  V2's settlement is corrected to 400,000.00; February adds V6 (PSN3 at H001). V2 persisting with
  the corrected amount, V4 resolved as of B, V6 new.
* build C — nothing changed: V6 becomes persisting, V4 stays resolved as of B.
* build D — ``dbt build --full-refresh``: the history is kept, one more run.
* build E — V2 is corrected away while the mdtrt feed fails the quality gate (var blocked_rules, as
  the Dagster build passes it): R05 is not evaluated, so V2 is not resolved.
* build F — the gate passes again: R05 is evaluated and V2 is resolved as of F.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.helpers import create_raw, insert_raw, run_dbt, ts

# six dbt builds of one warehouse (≈ 6 min): make test-slow
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TEST_SECRET = "pytest-only-psn-key-secret-hit-history"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _insert(con, feed_name: str, rows: list[dict], period: str, loaded_at: str) -> None:
    insert_raw(con, feed_name, rows, period, sender="990100", loaded_at=loaded_at, ext="xlsx")


def _correct(con, feed_name: str, rows: list[dict], period: str, loaded_at: str) -> None:
    """A correction: the batch of the same (sender, feed, period, seq) replaced by these rows."""
    con.execute(f'delete from raw."{feed_name}" where _batch_id = ?', [f"b-{feed_name}-{period}"])
    _insert(con, feed_name, rows, period, loaded_at)


def _stay(mid: str, psn: str, inst: str, beg: str, end: str) -> dict:
    return {
        "mdtrt_id": mid,
        "psn_no": psn,
        "fixmedins_code": inst,
        "med_type": "21",
        "begntime": ts(beg),
        "endtime": ts(end),
        "dscg_maindiag_code": "J18.0",
        "dscg_maindiag_name": "肺炎",
        "dscg_way": "1",
        "insu_admdvs": "990101",
    }


def _setl(sid: str, mid: str, psn: str, inst: str, t: str, amt) -> dict:
    return {
        "setl_id": sid,
        "mdtrt_id": mid,
        "psn_no": psn,
        "fixmedins_code": inst,
        "setl_time": ts(t),
        "medfee_sumamt": amt,
        "fund_pay_sumamt": amt,
        "acct_pay": 0,
        "psn_cash_pay": 0,
        "refd_setl_flag": "0",
    }


JANUARY_STAYS = {
    "V1": _stay("V1", "PSN1", "H001", "2025-01-02 09:00:00", "2025-01-04 10:00:00"),
    "V2": _stay("V2", "PSN1", "H001", "2025-01-10 09:00:00", "2025-01-12 10:00:00"),
    "V3": _stay("V3", "PSN2", "H002", "2025-01-02 09:00:00", "2025-01-04 10:00:00"),
    "V4": _stay("V4", "PSN2", "H002", "2025-01-10 09:00:00", "2025-01-12 10:00:00"),
}
JANUARY_SETTLEMENTS = {
    "S1": _setl("S1", "V1", "PSN1", "H001", "2025-01-04 11:00:00", 1000),
    "S2": _setl("S2", "V2", "PSN1", "H001", "2025-01-12 11:00:00", Decimal("500000.00")),
    "S3": _setl("S3", "V3", "PSN2", "H002", "2025-01-04 11:00:00", 1000),
    "S4": _setl("S4", "V4", "PSN2", "H002", "2025-01-12 11:00:00", Decimal("30000.00")),
}


def _load_january(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        loaded = "2025-01-28 00:00:00"
        _insert(
            con,
            "fixmedins",
            [
                {
                    "fixmedins_code": code,
                    "fixmedins_name": name,
                    "fixmedins_type": "1",
                    "hosp_lv": "3",
                    "econ_type": "1",
                    "admdvs": "990101",
                }
                for code, name in [("H001", "第一医院"), ("H002", "第二医院")]
            ],
            "202501",
            loaded,
        )
        _insert(
            con,
            "fixmedins_agreement",
            [
                {
                    "fixmedins_code": code,
                    "agreement_no": f"A-{code}",
                    "begndate": "2024-01-01",
                    "enddate": "2026-12-31",
                    "agreement_status": "1",
                }
                for code in ("H001", "H002")
            ],
            "202501",
            loaded,
        )
        _insert(
            con,
            "psn",
            [
                {
                    "psn_no": psn,
                    "certno": certno,
                    "psn_name": name,
                    "gend": gend,
                    "brdy": brdy,
                    "insutype": "310",
                    "insu_admdvs": "990101",
                }
                for psn, certno, name, gend, brdy in [
                    ("PSN1", "11010519491231002X", "张三", "1", "1949-12-31"),
                    ("PSN2", "110105198001010016", "李四", "2", "1980-01-01"),
                    ("PSN3", "110105197001010011", "王五", "1", "1970-01-01"),
                ]
            ],
            "202501",
            loaded,
        )
        _insert(con, "mdtrt", list(JANUARY_STAYS.values()), "202501", loaded)
        _insert(con, "setl", list(JANUARY_SETTLEMENTS.values()), "202501", loaded)
    finally:
        con.close()


def _correct_january_and_add_february(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        loaded = "2025-02-05 00:00:00"
        stays = [s for k, s in JANUARY_STAYS.items() if k != "V4"]
        settlements = [s for k, s in JANUARY_SETTLEMENTS.items() if k != "S4"]
        settlements = [{**s, "medfee_sumamt": Decimal("400000.00")} if s["setl_id"] == "S2" else s for s in settlements]
        _correct(con, "mdtrt", stays, "202501", loaded)
        _correct(con, "setl", settlements, "202501", loaded)
        loaded = "2025-02-28 00:00:00"
        _insert(
            con,
            "mdtrt",
            [
                _stay("V5", "PSN3", "H001", "2025-02-02 09:00:00", "2025-02-04 10:00:00"),
                _stay("V6", "PSN3", "H001", "2025-02-10 09:00:00", "2025-02-12 10:00:00"),
            ],
            "202502",
            loaded,
        )
        _insert(
            con,
            "setl",
            [
                _setl("S5", "V5", "PSN3", "H001", "2025-02-04 11:00:00", 800),
                _setl("S6", "V6", "PSN3", "H001", "2025-02-12 11:00:00", Decimal("2500.00")),
            ],
            "202502",
            loaded,
        )
    finally:
        con.close()


def _correct_v2_away(warehouse: Path) -> None:
    """January corrected once more: PSN1's second stay V2 (and its settlement) withdrawn."""
    con = duckdb.connect(str(warehouse))
    try:
        loaded = "2025-03-05 00:00:00"
        _correct(con, "mdtrt", [s for k, s in JANUARY_STAYS.items() if k not in ("V2", "V4")], "202501", loaded)
        settlements = [s for k, s in JANUARY_SETTLEMENTS.items() if k not in ("S2", "S4")]
        _correct(con, "setl", settlements, "202501", loaded)
    finally:
        con.close()


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _snapshot(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "runs": _rows(con, "select * from supervision.fct_hit_runs order by run_started_at"),
            "changes": _rows(con, "select * from supervision.fct_hit_changes order by run_started_at, hit_id"),
            "history": {r["hit_id"]: r for r in _rows(con, "select * from supervision.mart_hit_history")},
            "fct_hits": _rows(
                con, "select rule_code, hit_id, mdtrt_id, suspect_amount from supervision.fct_rule_hits order by 3"
            ),
            "clues": {r["clue_id"]: r for r in _rows(con, "select * from supervision.mart_clues")},
            "clue_rules": _rows(con, "select * from supervision.mart_clue_rules order by clue_id, rule_code"),
            "list": {r["clue_id"]: r for r in _rows(con, "select * from supervisor.supervisor_clue_list")},
            "hits": {r["mdtrt_id"]: r for r in _rows(con, "select * from supervisor.supervisor_clue_hits")},
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hit_history")
    warehouse = tmp / "warehouse.duckdb"
    create_raw(warehouse)
    _load_january(warehouse)
    out: dict[str, dict] = {}

    def build(name: str, *args: str) -> None:
        before = datetime.now(SHANGHAI).replace(tzinfo=None)
        run_dbt("build", *args, target=tmp / "target", logs=tmp / "logs")
        out[name] = {**_snapshot(warehouse), "window": (before, datetime.now(SHANGHAI).replace(tzinfo=None))}

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        mp.setenv("YIBAO_WAREHOUSE", str(warehouse))
        mp.setenv("YIBAO_PSN_KEY_SECRET", TEST_SECRET)
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        build("A")
        _correct_january_and_add_february(warehouse)
        build("B")
        build("C")
        build("D", "--full-refresh")
        _correct_v2_away(warehouse)
        build("E", "--vars", "{blocked_rules: {R05: [mdtrt]}}")
        build("F")
    return out


def hit_id(mdtrt_id: str) -> str:
    """R05's hit id: md5 of the rule code and the later stay's id (macros/keys.sql)."""
    return hashlib.md5(f"R05|{mdtrt_id}".encode()).hexdigest()


def _run(builds: dict, name: str) -> dict:
    """The run a build appended (the last row of fct_hit_runs after it)."""
    return builds[name]["runs"][-1]


def test_only_the_intended_hits(builds):
    """Guards the scenario: R05 alone hits, on the stays and amounts the statuses below rely on."""

    def hits(name):
        return [(h["rule_code"], h["mdtrt_id"], h["suspect_amount"]) for h in builds[name]["fct_hits"]]

    assert hits("A") == [("R05", "V2", Decimal("500000.00")), ("R05", "V4", Decimal("30000.00"))]
    assert hits("B") == [("R05", "V2", Decimal("400000.00")), ("R05", "V6", Decimal("2500.00"))]
    assert hits("C") == hits("D") == hits("B")
    # the gate kept R05 out of E: fct_rule_hits keeps its last hits although V2 is gone from the data
    assert hits("E") == hits("B")
    assert hits("F") == [("R05", "V6", Decimal("2500.00"))]


def test_hit_ids_are_stable_across_runs(builds):
    for name in "ABCD":
        by_visit = {h["mdtrt_id"]: h["hit_id"] for h in builds[name]["fct_hits"]}
        assert by_visit == {m: hit_id(m) for m in by_visit}, name
    assert set(builds["F"]["history"]) == {hit_id("V2"), hit_id("V4"), hit_id("V6")}


def test_each_build_is_one_run_at_its_start_in_shanghai_time(builds):
    runs = builds["F"]["runs"]
    assert len(runs) == 6 and len({r["run_id"] for r in runs}) == 6
    for name, run in zip("ABCDEF", runs, strict=True):
        assert _run(builds, name) == run
        start, end = builds[name]["window"]
        assert start <= run["run_started_at"] <= end, (name, run["run_started_at"], start, end)
    assert [r["hit_count"] for r in runs] == [2, 2, 2, 2, 2, 1]
    assert [r["rules_not_evaluated"] for r in runs] == [None, None, None, None, "R05", None]


def test_first_build_every_hit_is_new(builds):
    a = _run(builds, "A")
    history = builds["A"]["history"]
    assert {h: r["hit_status"] for h, r in history.items()} == {hit_id("V2"): "new", hit_id("V4"): "new"}
    for r in history.values():
        assert (r["hit_status_name"], r["run_count"]) == ("新增", 1)
        assert (r["first_run_id"], r["first_run_at"]) == (a["run_id"], a["run_started_at"])
        assert (r["last_run_id"], r["last_run_at"]) == (a["run_id"], a["run_started_at"])
        assert r["resolved_at"] is None and r["resolved_run_id"] is None


def test_a_correction_resolves_a_hit_and_a_new_month_adds_one(builds):
    a, b = _run(builds, "A"), _run(builds, "B")
    history = builds["B"]["history"]
    v2, v4, v6 = history[hit_id("V2")], history[hit_id("V4")], history[hit_id("V6")]
    assert (v2["hit_status"], v2["hit_status_name"], v2["run_count"]) == ("persisting", "持续", 2)
    assert (v2["first_run_at"], v2["last_run_at"]) == (a["run_started_at"], b["run_started_at"])
    assert v2["suspect_amount"] == Decimal("400000.00")  # the corrected settlement
    # V4 left with the correction: resolved as of B, last seen in A, still described
    assert (v4["hit_status"], v4["hit_status_name"], v4["run_count"]) == ("resolved", "已消失", 1)
    assert (v4["last_run_id"], v4["last_run_at"]) == (a["run_id"], a["run_started_at"])
    assert (v4["resolved_run_id"], v4["resolved_at"]) == (b["run_id"], b["run_started_at"])
    assert (v4["rule_code"], v4["fixmedins_code"], v4["clue_id"], v4["suspect_amount"]) == (
        "R05",
        "H002",
        "CL-H002-2025Q1",
        Decimal("30000.00"),
    )
    assert str(v4["occurred_on"]) == "2025-01-10"
    assert (v6["hit_status"], v6["hit_status_name"], v6["run_count"]) == ("new", "新增", 1)
    assert (v6["first_run_id"], v6["last_run_id"]) == (b["run_id"], b["run_id"])
    # the log holds the changes only: two appearances in A; a change, a resolution, an appearance in B
    assert [(c["run_id"], c["hit_id"], c["change_type"]) for c in builds["B"]["changes"]] == sorted(
        [(a["run_id"], hit_id("V2"), "appeared"), (a["run_id"], hit_id("V4"), "appeared")], key=lambda c: c[1]
    ) + sorted(
        [
            (b["run_id"], hit_id("V2"), "changed"),
            (b["run_id"], hit_id("V4"), "resolved"),
            (b["run_id"], hit_id("V6"), "appeared"),
        ],
        key=lambda c: c[1],
    )


def test_a_build_without_changes_keeps_the_statuses(builds):
    b, c = _run(builds, "B"), _run(builds, "C")
    history = builds["C"]["history"]
    v2, v4, v6 = history[hit_id("V2")], history[hit_id("V4")], history[hit_id("V6")]
    assert (v2["hit_status"], v2["run_count"], v2["last_run_id"]) == ("persisting", 3, c["run_id"])
    assert (v6["hit_status"], v6["run_count"], v6["first_run_id"]) == ("persisting", 2, b["run_id"])
    assert (v4["hit_status"], v4["resolved_run_id"], v4["resolved_at"]) == (
        "resolved",
        b["run_id"],
        b["run_started_at"],
    )
    assert v4["run_count"] == 1
    assert builds["C"]["changes"] == builds["B"]["changes"]  # nothing changed, nothing appended


def test_full_refresh_keeps_the_history(builds):
    a, b, d = _run(builds, "A"), _run(builds, "B"), _run(builds, "D")
    assert builds["D"]["runs"][:3] == builds["C"]["runs"]
    assert builds["D"]["changes"] == builds["C"]["changes"]
    history = builds["D"]["history"]
    v2, v4 = history[hit_id("V2")], history[hit_id("V4")]
    assert (v2["hit_status"], v2["run_count"], v2["first_run_id"], v2["last_run_id"]) == (
        "persisting",
        4,
        a["run_id"],
        d["run_id"],
    )
    assert (v4["hit_status"], v4["resolved_at"]) == ("resolved", b["run_started_at"])


def test_a_rule_the_gate_left_out_resolves_nothing(builds):
    d, e, f = _run(builds, "D"), _run(builds, "E"), _run(builds, "F")
    v2 = builds["E"]["history"][hit_id("V2")]
    assert (v2["hit_status"], v2["run_count"], v2["last_run_id"], v2["resolved_at"]) == (
        "persisting",
        5,
        e["run_id"],
        None,
    )
    assert builds["E"]["changes"] == builds["D"]["changes"]
    # evaluated again: resolved as of the first run that evaluated it without the hit
    v2 = builds["F"]["history"][hit_id("V2")]
    assert (v2["hit_status"], v2["run_count"], v2["last_run_id"]) == ("resolved", 5, e["run_id"])
    assert (v2["resolved_run_id"], v2["resolved_at"]) == (f["run_id"], f["run_started_at"])
    assert v2["suspect_amount"] == Decimal("400000.00")
    assert d["run_started_at"] < e["run_started_at"] < f["run_started_at"]


def test_the_clue_list_counts_new_and_persisting_hits(builds):
    # B: H001's 2025Q1 clue holds V2 (seen since A) and V6 (new in B); H002's clue is gone with V4
    clue = builds["B"]["clues"]["CL-H001-2025Q1"]
    assert (clue["hit_count"], clue["new_hit_count"], clue["persisting_hit_count"]) == (2, 1, 1)
    assert (clue["new_amount"], clue["persisting_amount"]) == (Decimal("2500.00"), Decimal("400000.00"))
    assert "CL-H002-2025Q1" not in builds["B"]["clues"]
    # per rule and quarter, as BI gets it
    assert [
        (r["clue_id"], r["rule_code"], r["new_hit_count"], r["persisting_hit_count"]) for r in builds["B"]["clue_rules"]
    ] == [("CL-H001-2025Q1", "R05", 1, 1)]
    listed = builds["B"]["list"]["CL-H001-2025Q1"]
    assert (listed["new_hit_count"], listed["new_amount"], listed["persisting_hit_count"]) == (
        1,
        Decimal("2500.00"),
        1,
    )
    assert listed["persisting_amount"] == Decimal("400000.00")
    # A: every hit new; C: every hit persisting
    assert {k: (c["new_hit_count"], c["persisting_hit_count"]) for k, c in builds["A"]["clues"].items()} == {
        "CL-H001-2025Q1": (1, 0),
        "CL-H002-2025Q1": (1, 0),
    }
    clue = builds["C"]["list"]["CL-H001-2025Q1"]
    assert (clue["new_hit_count"], clue["persisting_hit_count"], clue["new_amount"]) == (0, 2, Decimal("0.00"))


def test_the_supervisor_sees_each_hits_status_and_first_run(builds):
    a, b = _run(builds, "A"), _run(builds, "B")
    hits = builds["B"]["hits"]
    assert (hits["V2"]["hit_status"], hits["V2"]["hit_status_name"], hits["V2"]["first_run_at"]) == (
        "persisting",
        "持续",
        a["run_started_at"],
    )
    assert (hits["V6"]["hit_status"], hits["V6"]["hit_status_name"], hits["V6"]["first_run_at"]) == (
        "new",
        "新增",
        b["run_started_at"],
    )
    assert set(hits) == {"V2", "V6"}  # resolved hits are history, not work
