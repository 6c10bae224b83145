"""Pseudonymisation: psn_key = HMAC-SHA256(secret, certno), and masked display values.

A plain hash of a 身份证号 is brute-forceable (~10^11 possible IDs); a keyed HMAC is not without
the secret. The secret comes from ``YIBAO_PSN_KEY_SECRET`` and never reaches SQL text, logs or
dbt's ``target/``: dbt calls the ``yibao_psn_key`` function this module registers on each DuckDB
connection (see ``warehouse/dbt_plugin.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac

from warehouse.settings import settings


def psn_key(secret: str, certno: str | None) -> str | None:
    if certno is None:
        return None
    return hmac.new(secret.encode("utf-8"), certno.encode("utf-8"), hashlib.sha256).hexdigest()


def register_udfs(conn, secret: str | None = None) -> None:
    """Register ``yibao_psn_key(varchar) -> varchar`` on a DuckDB connection."""
    import pyarrow as pa  # here, so that psn_key serves engines without pyarrow (the Spark session UDF)

    key = secret or settings().psn_key_secret

    def _udf(values):  # a pyarrow Array in and out (no annotations: DuckDB resolves them in module scope)
        return pa.array([psn_key(key, v) for v in values.to_pylist()], type=pa.string())

    with contextlib.suppress(Exception):  # not registered yet
        conn.remove_function("yibao_psn_key")
    conn.create_function("yibao_psn_key", _udf, ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special")
