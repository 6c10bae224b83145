"""The sample-extract generator: deterministic, contract-shaped, arithmetically consistent, and its
ground truth holds (every injected case hits, no near-miss hits, the background hits nothing).

Runs two small generations (scale 0.05, ~1 s each) and reads the files back independently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from ingest.check_digits import certno_valid, uscc_valid
from ingest.specs import FEEDS, resolve_header
from synthetic import generate
from synthetic.oracle import check

SEED, SCALE = 5, 0.05
RULES = [f"R{i:02d}" for i in range(1, 23)] + ["R33"]
KB = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "knowledge_base"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("synthetic")
    summary = generate(base / "landing", seed=SEED, scale=SCALE, log=None)
    assert summary.truth == base / "ground_truth.csv"
    return base / "landing", base / "ground_truth.csv"


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else None
    if text is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
    return list(csv.reader(text.splitlines()))


def truth_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_same_seed_gives_identical_bytes(tree, tmp_path):
    landing, truth = tree
    again = generate(tmp_path / "landing", seed=SEED, scale=SCALE, log=None)
    assert digest(landing) == digest(tmp_path / "landing")
    assert truth.read_bytes() == again.truth.read_bytes()
    other = generate(tmp_path / "other" / "landing", seed=SEED + 1, scale=SCALE, log=None)
    assert digest(landing) != digest(other.out)


def test_refuses_non_empty_output_and_truth_inside_landing(tree, tmp_path):
    landing, _ = tree
    with pytest.raises(FileExistsError):
        generate(landing, seed=SEED, scale=SCALE, log=None)
    with pytest.raises(ValueError):
        generate(tmp_path / "x", seed=SEED, scale=SCALE, truth=tmp_path / "x" / "t.csv", log=None)


def test_layout_every_feed_and_format(tree):
    landing, truth = tree
    assert not any(p.name == truth.name for p in landing.rglob("*"))
    pattern = re.compile(r"^(?P<sender>[A-Z0-9]+)_(?P<feed>[a-z_]+)_(?P<period>\d{6})(_(?P<seq>\d+))?\.(?P<ext>\w+)$")
    periods: dict[str, set[str]] = {f: set() for f in FEEDS}
    exts: dict[str, set[str]] = {f: set() for f in FEEDS}
    for p in landing.rglob("*"):
        if not p.is_file():
            continue
        feed, period = p.parent.parent.name, p.parent.name
        m = pattern.match(p.name)
        assert m and m["feed"] == feed and m["period"] == period, p
        spec = FEEDS[feed]
        if spec.sender_kind == "centre":
            assert m["sender"] == "990100", p
        else:
            assert re.fullmatch(r"[HP]\d{11}", m["sender"]), p
        periods[feed].add(period)
        exts[feed].add(m["ext"])
    for feed, spec in FEEDS.items():
        assert len(periods[feed]) >= (2 if spec.snapshot else 6), (feed, sorted(periods[feed]))
    assert exts["fee_list"] == exts["mdtrt"] == exts["setl"] == exts["setl_diag"] == {"parquet"}
    assert exts["case_inspection"] == exts["case_clue"] == exts["case_tipoff"] == {"xlsx"}
    assert all(exts[f] == {"csv"} for f in FEEDS if FEEDS[f].group in ("reference", "his", "pharmacy", "inventory"))


def test_headers_map_to_the_contract(tree):
    landing, _ = tree
    styles: dict[str, set[str]] = {}
    for p in sorted(landing.rglob("*")):
        if p.suffix not in (".csv", ".xlsx"):
            continue
        feed = p.parent.parent.name
        if p.suffix == ".csv":
            header = read_csv(p)[0]
        else:
            wb = CalamineWorkbook.from_path(str(p))
            header = [str(c) for c in wb.get_sheet_by_name(wb.sheet_names[0]).to_python()[0]]
        codes = [resolve_header(FEEDS[feed], h) for h in header]
        assert None not in codes and set(codes) == set(FEEDS[feed].codes), (p, header)
        kind = "codes" if header[0].isascii() else "labels"
        styles.setdefault(FEEDS[feed].group, set()).add(kind + ("" if codes == FEEDS[feed].codes else "+reordered"))
    assert styles["reference"] == {"codes"}
    assert styles["his"] == {"labels"}
    assert {"codes", "labels"} <= {s.split("+")[0] for s in styles["pharmacy"] | styles["inventory"]}
    assert any(s.endswith("+reordered") for s in styles["pharmacy"] | styles["inventory"])


def test_his_files_are_gb18030_with_chinese_headers(tree):
    landing, _ = tree
    files = [p for f in ("his_ipt_register", "his_order", "his_charge") for p in (landing / f).rglob("*.csv")]
    assert files
    for p in files:
        raw = p.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        header = raw.decode("gb18030").splitlines()[0].split(",")
        feed = FEEDS[p.parent.parent.name]
        assert header == [f.label_zh for f in feed.fields], p
    for f in ("phar_sale", "inv_purchase", "inv_stocktake", "inv_change"):
        assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in (landing / f).rglob("*.csv")), f


def test_persons_identity_numbers(tree):
    landing, _ = tree
    last = max((landing / "psn").iterdir())
    rows = read_csv(next(last.glob("*.csv")))
    head, data = rows[0], rows[1:]
    col = {c: head.index(c) for c in ("certno", "gend", "brdy", "die_date", "tel", "psn_no")}
    assert len(data) > 100
    assert len({r[col["certno"]] for r in data}) == len(data)
    for r in data:
        cert = r[col["certno"]]
        assert certno_valid(cert), cert
        assert cert[6:14] == r[col["brdy"]].replace("-", ""), r
        assert int(cert[16]) % 2 == (1 if r[col["gend"]] == "1" else 0), r
        assert dt.date(1900, 1, 1) < dt.date.fromisoformat(r[col["brdy"]]) < dt.date(2026, 11, 1)
        assert re.fullmatch(r"1[3-9]\d{9}", r[col["tel"]])
    assert any(r[col["die_date"]] for r in data)
    inst = read_csv(next(max((landing / "fixmedins").iterdir()).glob("*.csv")))
    h = inst[0]
    for r in inst[1:]:
        assert uscc_valid(r[h.index("uscc")]), r
        if r[h.index("fixmedins_code")].startswith("P"):
            assert r[h.index("fixmedins_type")] == "2" and r[h.index("open_time")] and not r[h.index("hosp_lv")]
    levels = {r[h.index("hosp_lv")] for r in inst[1:] if r[h.index("fixmedins_type")] == "1"}
    assert levels == {"1", "2", "3", ""}


def test_settlement_arithmetic(tree):
    landing, _ = tree
    con = duckdb.connect()
    for f in ("setl", "fee_list", "mdtrt", "setl_diag"):
        con.execute(f"create view {f} as select * from read_parquet('{landing}/{f}/*/*.parquet')")
    assert con.execute(
        "select typeof(medfee_sumamt), typeof(cnt), typeof(list_type) from setl, fee_list limit 1"
    ).fetchone() == ("DECIMAL(18,2)", "DECIMAL(18,4)", "VARCHAR")
    bad = con.execute("""
        select count(*) from setl s left join (select setl_id, sum(det_item_fee_sumamt) as total
                                               from fee_list group by 1) f using (setl_id)
        where abs(s.medfee_sumamt - coalesce(f.total, 0)) > 0.01
           or abs(s.medfee_sumamt - (s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay)) > 0.01
           or abs(s.inscp_amt + s.fulamt_ownpay_amt - s.medfee_sumamt) > 0.01""").fetchone()[0]
    assert bad == 0
    assert (
        con.execute(
            "select count(*) from fee_list where abs(round(cnt * pric, 2) - det_item_fee_sumamt) > 0.01"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute("select count(*) from fee_list where setl_id not in (select setl_id from setl)").fetchone()[0] == 0
    )
    # refunds point at an existing line of the same visit; reversals at an existing settlement
    refunds = con.execute("""
        select count(*), count(o.feedetl_sn) filter (where o.mdtrt_id = r.mdtrt_id and o.cnt > 0 and r.cnt < 0)
        from fee_list r left join fee_list o on o.feedetl_sn = r.init_feedetl_sn
        where r.init_feedetl_sn is not null""").fetchone()
    assert refunds[0] > 0 and refunds[0] == refunds[1]
    rev = con.execute("""
        select count(*), count(o.setl_id) filter (where r.medfee_sumamt = -o.medfee_sumamt)
        from setl r left join setl o on o.setl_id = r.init_setl_id where r.refd_setl_flag = '1'""").fetchone()
    assert rev[0] > 0 and rev[0] == rev[1]
    # every non-pharmacy visit has exactly one main diagnosis; pharmacy visits (41) have none
    assert (
        con.execute("""
        select count(*) from mdtrt m left join (select mdtrt_id, count(*) filter (where maindiag_flag = '1') as n
                                                from setl_diag group by 1) d using (mdtrt_id)
        where coalesce(d.n, 0) <> case when m.med_type = '41' then 0 else 1 end""").fetchone()[0]
        == 0
    )
    assert set(con.execute("select distinct med_chrgitm_type from fee_list").fetchall()) >= {
        (f"{i:02d}",) for i in range(1, 15)
    }


def test_pharmacy_sales_match_their_settlements(tree):
    landing, _ = tree
    con = duckdb.connect()
    con.execute(f"create view fee_list as select * from read_parquet('{landing}/fee_list/*/*.parquet')")
    con.execute(f"create view mdtrt as select * from read_parquet('{landing}/mdtrt/*/*.parquet')")
    sales = []
    for p in (landing / "phar_sale").rglob("*.csv"):
        rows = read_csv(p)
        codes = [resolve_header(FEEDS["phar_sale"], h) for h in rows[0]]
        sales += [dict(zip(codes, r, strict=True)) for r in rows[1:]]
    settled = [s for s in sales if s["setl_id"]]
    assert settled and any(s["retn_flag"] == "1" for s in sales)
    lines = {
        (r[0], r[1], str(r[2]).rstrip("0").rstrip("."))
        for r in con.execute(
            "select f.setl_id, f.hilist_code, f.cnt from fee_list f join mdtrt m using (mdtrt_id) "
            "where m.med_type = '41'"
        ).fetchall()
    }
    for s in settled:
        assert (s["setl_id"], s["med_list_codg"], s["cnt"]) in lines, s
    codes = [s["drug_trac_codg"] for s in sales if s["drug_trac_codg"] and s["retn_flag"] == "0"]
    assert len(codes) > 0


def kb_rows(name: str) -> list[dict]:
    with open(KB / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_knowledge_base_seeds():
    watch = kb_rows("rule_key_drug_watchlist.csv")
    by_cat: dict[str, int] = {}
    for w in watch:
        by_cat[w["category"]] = by_cat.get(w["category"], 0) + 1
    assert by_cat == {"西药": 30, "中成药": 30, "中药饮片": 30, "耗材": 30}
    assert len({w["hilist_code"] for w in watch}) == len(watch)
    pairs = kb_rows("rule_bundle_pairs.csv")
    assert len(pairs) >= 20
    low = [r["icd10_prefix"] for r in kb_rows("rule_low_standard_dx.csv")]
    assert len(low) >= 10 and {"J06", "I67.8", "E11.9"} <= set(low)


def test_ground_truth_covers_every_rule_and_its_keys_exist(tree):
    landing, truth = tree
    rows = truth_rows(truth)
    for rule in RULES:
        assert sum(r["rule_code"] == rule and r["expect_hit"] == "1" for r in rows) >= 2, rule
        assert sum(r["rule_code"] == rule and r["expect_hit"] == "0" for r in rows) >= 1, rule
    assert len({r["case_id"] for r in rows}) == len(rows)
    con = duckdb.connect()
    known: dict[str, set[str]] = {}
    for key, feed in (("mdtrt_id", "mdtrt"), ("setl_id", "setl"), ("feedetl_sn", "fee_list")):
        known[key] = {
            r[0]
            for r in con.execute(f"select distinct {key} from read_parquet('{landing}/{feed}/*/*.parquet')").fetchall()
        }
    for key, feed, col in (
        ("sale_sn", "phar_sale", "sale_sn"),
        ("psn_no", "psn", "psn_no"),
        ("fixmedins_code", "fixmedins", "fixmedins_code"),
        ("hilist_code", "hilist", "hilist_code"),
    ):
        vals = set()
        for p in (landing / feed).rglob("*.csv"):
            data = read_csv(p)
            codes = [resolve_header(FEEDS[feed], h) for h in data[0]]
            vals |= {r[codes.index(col)] for r in data[1:]}
        known[key] = vals
    periods = {p.name for p in (landing / "fee_list").iterdir()}
    for r in rows:
        filled = [k for k in known if r[k]]
        assert filled or r["period"], r
        for k in filled:
            assert r[k] in known[k], (r["case_id"], k, r[k])
        if r["period"]:
            assert r["period"] in periods
        if r["occurred_on"]:
            dt.date.fromisoformat(r["occurred_on"])


def test_reference_rule_check_finds_exactly_the_truth(tree):
    """Background clean for every rule, every injected case hits, no near-miss does."""
    landing, truth = tree
    res = check(landing, truth)
    assert res["missed"] == [] and res["near_miss_hit"] == [], res
    assert res["unexpected"] == [], res["unexpected"][:10]
    assert set(res["hits_by_rule"]) == set(RULES)
