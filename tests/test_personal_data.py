"""Personal data stays where it belongs (RELIABILITY.md promise 4, security tests).

Scans every BI-facing relation and export, the Data Docs, the logs and dbt's target/ for 18-digit
身份证号 with a valid check digit, 15-digit 身份证号, mobile numbers and the HMAC secret.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from ingest.check_digits import certno_valid
from tests.conftest import TEST_SECRET
from warehouse.settings import DBT_PROJECT_DIR

ID18 = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)([1-9]\d{5})(\d{8})(\d{3})([\dXx])(?![0-9A-Za-z])")
# area codes never start with 0 (catalogue codes like 002503000110000 do)
ID15 = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)([1-9]\d{5})(\d{6})(\d{3})(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)1[3-9]\d{9}(?![0-9A-Za-z])")


def _valid_date(s: str, fmt: str) -> bool:
    try:
        d = dt.datetime.strptime(s, fmt).date()
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= d <= dt.date.today()


def find_personal_data(text: str) -> list[str]:
    found = []
    for m in ID18.finditer(text):
        if certno_valid("".join(m.groups())) and _valid_date(m.group(2), "%Y%m%d"):
            found.append("id18")
    found += [
        "id15" for m in ID15.finditer(text) if _valid_date("19" + m.group(2), "%Y%m%d")
    ]  # 15-digit IDs are 19xx births
    found += ["mobile" for _ in MOBILE.finditer(text)]
    if TEST_SECRET in text:
        found.append("secret")
    return found


def test_the_scanner_finds_what_it_must():
    assert find_personal_data("11010519491231002X 110105491231002 13812345678 " + TEST_SECRET) == [
        "id18",
        "id15",
        "mobile",
        "secret",
    ]
    assert find_personal_data("002501000010000 002503000110000 F13812345678 110105194912310021") == []
    # the digits after a decimal point are no ID (dbt's run_results.json: "execution_time": 0.278552770614624)
    assert find_personal_data('"execution_time": 0.278552770614624, 2.11010519491231002, 0.13812345678') == []


def scan_tree(root: Path) -> dict[str, list[str]]:
    hits = {}
    for p in root.rglob("*"):
        if p.is_file() and p.suffix not in (".duckdb", ".parquet", ".wal") and p.stat().st_size < 50 * 2**20:
            found = find_personal_data(p.read_text(encoding="utf-8", errors="ignore"))
            if found:
                hits[str(p)] = sorted(set(found))
    return hits


def scan_duckdb(path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    hits = {}
    try:
        rels = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        for schema, table in rels:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            ]
            expr = " || ' ' || ".join(f"coalesce(cast(\"{c}\" as varchar), '')" for c in cols)
            for (text,) in con.execute(f'select {expr} from "{schema}"."{table}"').fetchall():
                found = find_personal_data(text)
                if found:
                    hits[f"{schema}.{table}"] = sorted(set(found))
                    break
    finally:
        con.close()
    return hits


def test_raw_schema_really_holds_personal_data(pipeline_run):
    # the scanner must be able to fail: the raw schema is where identifiers live
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        sample = " ".join(
            f"{c} {t or ''}" for c, t in con.execute("select certno, tel from raw.psn limit 20").fetchall()
        )
    finally:
        con.close()
    assert {"id18", "mobile"} <= set(find_personal_data(sample))


def test_no_personal_data_or_secret_in_bi_exports(pipeline_run):
    out = pipeline_run["warehouse"].parent / "outputs"
    assert scan_duckdb(out / "bi" / "yibao_bi.duckdb") == {}
    con = duckdb.connect()
    try:
        for pq in (out / "bi" / "parquet").glob("*.parquet"):
            rows = con.execute("select * from read_parquet(?)", [str(pq)]).fetchall()
            assert not find_personal_data(" ".join(" ".join(map(str, r)) for r in rows)), pq
    finally:
        con.close()


def test_no_personal_data_in_data_docs_logs_or_dbt_target(pipeline_run):
    out = pipeline_run["warehouse"].parent / "outputs"
    assert scan_tree(out / "quality") == {}
    # this run's dbt target (dagster-dbt writes target/<asset>-<run id prefix>-…/) and dbt's logs
    run_dirs = list((DBT_PROJECT_DIR / "target").glob(f"*-{pipeline_run['result'].run_id[:7]}-*"))
    assert run_dirs
    for d in [*run_dirs, DBT_PROJECT_DIR / "logs"]:
        if d.exists():
            assert scan_tree(d) == {}, d
    assert not find_personal_data((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_supervisor_export_is_person_level_but_has_no_raw_identifiers(pipeline_run):
    out = pipeline_run["warehouse"].parent / "outputs"
    assert scan_duckdb(out / "supervisor" / "yibao_supervisor.duckdb") == {}


# --- masking must survive a join: try to rebuild identities from combinations of columns -------------


def _identities(pipeline_run):
    from tests.reidentification import real_identities

    ids, names = real_identities(pipeline_run["warehouse"])
    assert len(ids) > 50 and len(names) > 50  # the oracle holds the sample's persons and practitioners
    return ids, names


def test_the_rebuild_attack_finds_what_a_mask_beside_a_birth_date_gives_away(pipeline_run):
    # the attack must be able to fail: a masked 身份证号 beside the birth date (as core.dim_person was
    # exported until the birth date became a year) gives every ID back, a masked name its mask
    from tests.reidentification import Findings, attack_rows

    ids, names = _identities(pipeline_run)
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    try:
        cur = con.execute("select certno_masked, brdy, psn_name_masked, gend from staging.stg_reference__persons")
        cols, rows = [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()
    findings = Findings()
    attack_rows("mask beside birth date", cols, rows, ids, names, findings)
    assert len(findings.ids["mask beside birth date"]) >= 0.95 * len(ids)
    assert findings.masked_names
    # and two plain columns joined: region code || birth date || sequence and check digit
    findings = Findings()
    some = sorted(ids)[:5]
    attack_rows(
        "split",
        ["a", "b", "c"],
        [(i[:6], dt.datetime.strptime(i[6:14], "%Y%m%d").date(), i[14:]) for i in some],
        ids,
        names,
        findings,
    )
    assert findings.ids["split"] == set(some)


def test_no_combination_of_bi_columns_rebuilds_an_id_or_a_name(pipeline_run):
    from tests.reidentification import attack_duckdb, attack_parquet

    ids, names = _identities(pipeline_run)
    bi = pipeline_run["warehouse"].parent / "outputs" / "bi"
    for findings in (attack_duckdb(bi / "yibao_bi.duckdb", ids, names), attack_parquet(bi / "parquet", ids, names)):
        assert not findings, findings.summary()


def test_supervisor_outputs_keep_masks_but_nothing_that_fills_them_back(pipeline_run):
    from tests.reidentification import attack_duckdb, attack_parquet

    ids, names = _identities(pipeline_run)
    sup = pipeline_run["warehouse"].parent / "outputs" / "supervisor"
    for findings in (
        attack_duckdb(sup / "yibao_supervisor.duckdb", ids, names),
        attack_parquet(sup / "parquet", ids, names),
    ):
        assert not findings.ids and not findings.names, findings.summary()
    # the masks are there (supervisors recognise a person by them), practitioners' names masked too
    con = duckdb.connect(str(sup / "yibao_supervisor.duckdb"), read_only=True)
    try:
        masked = con.execute(
            "select count(*) from supervisor.supervisor_clue_hits where certno_masked like '______********____'"
        ).fetchone()[0]
        r15 = con.execute(
            "select evidence from supervision.fct_rule_hits where rule_code = 'R15' "
            "and evidence like '%dr_name_masked%'"
        ).fetchall()
    finally:
        con.close()
    assert masked > 0 and r15
