"""A sensor that starts a run when new or changed files settle in the landing directory."""

from __future__ import annotations

import hashlib
import time

import dagster as dg

from warehouse.settings import settings

SETTLE_SECONDS = 60  # a file still being copied in is not picked up until it stops changing


def landing_fingerprint(root) -> tuple[str, int, float]:
    """(digest of path+size+mtime of every file, file count, newest mtime)."""
    h = hashlib.sha256()
    n, newest = 0, 0.0
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts):
                st = p.stat()
                h.update(f"{p.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
                n += 1
                newest = max(newest, st.st_mtime)
    return h.hexdigest()[:32], n, newest


def build_landing_sensor(job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        name="landing_directory_sensor",
        minimum_interval_seconds=60,
        description="Starts materialize_all when the landing directory has new or changed files "
        "that have not changed for a minute.",
    )
    def landing_directory_sensor(context: dg.SensorEvaluationContext):
        digest, n, newest = landing_fingerprint(settings().landing_dir)
        if n == 0 or digest == context.cursor:
            return dg.SkipReason(f"no new deliveries ({n} files)")
        if time.time() - newest < SETTLE_SECONDS:
            return dg.SkipReason("deliveries are still arriving; waiting for them to settle")
        context.update_cursor(digest)
        return dg.RunRequest(run_key=digest, tags={"yibao/landing_files": str(n)})

    return landing_directory_sensor
