"""What a gate run found, as plain data: per check, per delivered batch, per feed and per run.

The runner fills these; the Data Docs pages, the delivery quality table and the Dagster asset checks
read them. They hold counts, line numbers and samples of non-sensitive columns only, and round-trip
through JSON (``quality/results/<feed>.json``) so a run over some feeds keeps the others' latest
results on the site.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from expectations.checks import CRITICAL, WARNING
from expectations.wording import check_text, severity_label, verdict_label


@dataclass
class BatchInfo:
    batch_id: str
    file: str | None = None
    sha256: str | None = None
    sender: str | None = None
    period: str | None = None
    seq: str | None = None
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    rows_in_raw: int = 0
    loaded_at: str | None = None

    @property
    def where(self) -> str:
        return self.file or f"batch {self.batch_id} (not in raw.load_manifest)"


@dataclass
class BatchFinding:
    batch_id: str
    unexpected: int
    lines: list[int] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)


@dataclass
class CheckOutcome:
    check_id: str
    feed: str
    severity: str
    category: str
    title: str
    remedy: str
    gx_type: str
    columns: list[str]
    sensitive: bool
    attribution: str
    success: bool
    unexpected: int = 0
    element_count: int | None = None
    error: str | None = None
    detail: str | None = None  # e.g. missing/unexpected columns of a table-level check
    batches: list[BatchFinding] = field(default_factory=list)
    consistency_error: str | None = None

    @classmethod
    def for_check(cls, check, *, success: bool = False) -> CheckOutcome:
        """The outcome of ``check`` (an expectations.checks.Check) before any count is known."""
        return cls(
            check_id=check.id,
            feed=check.feed,
            severity=check.severity,
            category=check.category,
            title=check.title,
            remedy=check.remedy,
            gx_type=check.gx_type,
            columns=list(check.columns),
            sensitive=check.sensitive,
            attribution=check.attribution,
            success=success,
        )

    @property
    def failed(self) -> bool:
        return not self.success

    def message(self, batches: dict[str, BatchInfo] | None = None, max_files: int = 5) -> str:
        """What failed, where (files, lines), how many rows, and what to do."""
        batches = batches or {}
        head = f"[{self.severity}] {self.check_id} — {self.title}"
        if self.error:
            return (
                f"{head}: could not be evaluated ({self.error}); treated as failed. What to do: "
                "tell the data engineers — the check or the raw table is broken."
            )
        if self.success:
            return f"{head}: passed"
        if self.attribution == "table":
            extra = f" ({self.detail})" if self.detail else ""
            return f"{head}: failed{extra}; applies to every delivery of {self.feed}. What to do: {self.remedy}."
        of = f" of {self.element_count:,}" if self.element_count else ""
        files = []
        for b in sorted(self.batches, key=lambda b: -b.unexpected)[:max_files]:
            info = batches.get(b.batch_id)
            where = info.where if info else f"batch {b.batch_id}"
            word = "line" if len(b.lines) == 1 else "lines"
            lines = f", {word} {', '.join(str(x) for x in b.lines)}" if b.lines else ""
            more = "…" if b.lines and b.unexpected > len(b.lines) else ""
            files.append(f"{where} ({b.unexpected:,} row{'' if b.unexpected == 1 else 's'}{lines}{more})")
        rest = len(self.batches) - len(files)
        where = "; ".join(files) + (f"; and {rest} more deliveries" if rest > 0 else "")
        n_del = len(self.batches)
        if self.category == "volume":
            return (
                f"{head}: {n_del} unusual deliver{'y' if n_del == 1 else 'ies'}: "
                + "; ".join(
                    f"{(batches.get(b.batch_id) or BatchInfo(b.batch_id)).where} ({', '.join(b.samples)})"
                    for b in self.batches[:max_files]
                )
                + (f"; and {n_del - max_files} more" if n_del > max_files else "")
                + f". What to do: {self.remedy}."
            )
        unit = "row" if self.unexpected == 1 and not of else "rows"
        return (
            f"{head}: {self.unexpected:,}{of} {unit} unexpected, in {n_del} "
            f"deliver{'y' if n_del == 1 else 'ies'}: {where}. What to do: {self.remedy}."
        )


@dataclass
class BatchVerdict:
    info: BatchInfo
    critical_evaluated: int
    warning_evaluated: int
    critical_failed: int = 0
    warning_failed: int = 0
    unexpected_critical: int = 0
    unexpected_warning: int = 0
    failed_checks: list[dict] = field(default_factory=list)  # {check_id, severity, unexpected}
    page: str | None = None  # path relative to the quality site root
    # set when this run kept the delivery's earlier verdict (expectations.scope): that validation's run
    validated_by: str | None = None
    validated_at: str | None = None

    @property
    def carried(self) -> bool:
        return self.validated_by is not None

    @property
    def verdict(self) -> str:
        if self.critical_failed:
            return "fail"
        if self.warning_failed:
            return "warn"
        return "pass"


@dataclass
class FeedResult:
    feed: str
    label_zh: str
    suite: str
    fingerprint: str
    status: str = "validated"  # validated | no_deliveries | error
    rows: int = 0
    outcomes: list[CheckOutcome] = field(default_factory=list)
    batches: list[BatchVerdict] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    gx_seconds: float = 0.0
    breakdown_seconds: float = 0.0
    run_id: str = ""
    validated_at: str = ""
    # delivered files of this feed the loader refused (never loaded, so never validated)
    refused: list[dict] = field(default_factory=list)
    page: str | None = None  # our feed page, relative to the site root
    # what this run validated (expectations.scope): why, how many deliveries, how many kept their pass
    scope_note: str = ""
    validated_batches: int = 0
    carried_batches: int = 0
    # the manifest rows the plan saw (written to quality.gate_inputs_seen; not part of the JSON result)
    inputs_seen: list = field(default_factory=list, repr=False)

    def _count(self, severity: str, failed: bool) -> int:
        return sum(1 for o in self.outcomes if o.severity == severity and (o.failed or not failed))

    @property
    def critical_evaluated(self) -> int:
        return self._count(CRITICAL, False)

    @property
    def critical_failed(self) -> int:
        return self._count(CRITICAL, True)

    @property
    def warning_evaluated(self) -> int:
        return self._count(WARNING, False)

    @property
    def warning_failed(self) -> int:
        return self._count(WARNING, True)

    @property
    def passed(self) -> bool:
        """False = block everything downstream of this feed (a critical check failed or errored)."""
        return self.status != "error" and self.critical_failed == 0

    @property
    def verdict(self) -> str:
        if not self.passed:
            return "fail"
        return "warn" if self.warning_failed else "pass"

    def failures(self, severity: str | None = None) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.failed and (severity is None or o.severity == severity)]

    def batch_index(self) -> dict[str, BatchInfo]:
        return {b.info.batch_id: b.info for b in self.batches}

    def messages(self, severity: str | None = None) -> list[str]:
        idx = self.batch_index()
        out = [o.message(idx) for o in self.failures(severity)]
        if self.error:
            out.insert(0, f"[critical] {self.feed}: the gate could not validate this feed ({self.error})")
        return out

    def check_metadata(self, site_root: Path | None = None) -> dict:
        """Plain values for the Dagster asset check (wrap ``*_md`` in MetadataValue.md and
        ``*_path`` in MetadataValue.path)."""
        idx = self.batch_index()
        lines = ["| 严重程度 | 检查内容 | 问题行数 | 涉及交付 | 处理建议 |", "|---|---|---|---|---|"]
        for o in sorted(self.failures(), key=lambda o: (o.severity != CRITICAL, o.check_id)):
            where = ", ".join((idx[b.batch_id].where if b.batch_id in idx else b.batch_id) for b in o.batches[:3]) or (
                "all" if o.attribution == "table" else ""
            )
            if len(o.batches) > 3:
                where += f" (+{len(o.batches) - 3})"
            title, todo = check_text(o)
            what = (o.error and f"检查无法执行（按未通过处理）：{o.error}") or todo
            row = f"| {severity_label(o.severity)} | {title}（{o.check_id}） | {o.unexpected:,} | {where} | {what} |"
            lines.append(row.replace("\n", " "))
        md: dict = {
            "verdict": verdict_label(self.verdict),
            "verdict_code": self.verdict,
            "critical_evaluated": self.critical_evaluated,
            "critical_failed": self.critical_failed,
            "warning_evaluated": self.warning_evaluated,
            "warning_failed": self.warning_failed,
            "unexpected_rows_critical": sum(o.unexpected for o in self.failures(CRITICAL)),
            "unexpected_rows_warning": sum(o.unexpected for o in self.failures(WARNING)),
            "rows_validated": self.rows,
            "deliveries": len(self.batches),
            "deliveries_validated": self.validated_batches,
            "deliveries_kept_earlier_pass": self.carried_batches,
            "deliveries_failed": sum(1 for b in self.batches if b.verdict == "fail"),
            "deliveries_with_warnings": sum(1 for b in self.batches if b.verdict == "warn"),
            "suite": f"{self.suite} ({self.fingerprint})",
            "scope": self.scope_note,
            "seconds": round(self.seconds, 2),
        }
        if self.error:
            md["error"] = self.error
        if len(lines) > 2:
            md["failures_md"] = "\n".join(lines[:52]) + (
                f"\n\n… 另有 {len(lines) - 52} 项（见数据质量页面）" if len(lines) > 52 else ""
            )
        if site_root is not None:
            md["data_docs_index_path"] = str(site_root / "index.html")
            if self.page:
                md["data_docs_feed_path"] = str(site_root / self.page)
        return md

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("inputs_seen", None)
        # timings to the millisecond: a float's long tail of digits is noise (and can look like an ID number
        # to the personal-data scanner, tests/test_personal_data.py)
        for key in ("seconds", "gx_seconds", "breakdown_seconds"):
            d[key] = round(d[key], 3)
        d["verdict"] = self.verdict
        for key in ("critical_evaluated", "critical_failed", "warning_evaluated", "warning_failed"):
            d[key] = getattr(self, key)
        for b, bv in zip(d["batches"], self.batches, strict=True):
            b["verdict"] = bv.verdict
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FeedResult:
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        d["outcomes"] = [
            CheckOutcome(**{**o, "batches": [BatchFinding(**b) for b in o["batches"]]}) for o in d.get("outcomes", [])
        ]
        d["batches"] = [
            BatchVerdict(**{**{k: v for k, v in b.items() if k != "verdict"}, "info": BatchInfo(**b["info"])})
            for b in d.get("batches", [])
        ]
        return cls(**d)


@dataclass
class GateResult:
    run_id: str
    run_time: str
    warehouse: str
    site_root: Path
    feeds: dict[str, FeedResult] = field(default_factory=dict)
    seconds: float = 0.0
    docs_seconds: float = 0.0
    unrecognised: list[dict] = field(default_factory=list)  # refused files that belong to no feed

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.feeds.values())

    @property
    def blocked_feeds(self) -> list[str]:
        return [name for name, f in self.feeds.items() if not f.passed]

    @property
    def verdict(self) -> str:
        """pass | warn | fail over every feed of this run."""
        if not self.passed:
            return "fail"
        return "warn" if any(f.verdict == "warn" for f in self.feeds.values()) else "pass"

    @property
    def verdict_text(self) -> str:
        """The run's verdict in the quality owners' words, naming the blocked feeds."""
        if not self.passed:
            return f"{verdict_label('fail')}: {', '.join(self.blocked_feeds)}"
        return verdict_label(self.verdict)

    @property
    def docs_index(self) -> Path:
        return self.site_root / "index.html"

    def batch_pages(self) -> dict[str, Path]:
        return {b.info.batch_id: self.site_root / b.page for f in self.feeds.values() for b in f.batches if b.page}

    def summary(self) -> str:
        total = sum(len(f.batches) for f in self.feeds.values())
        crit = sum(f.critical_failed for f in self.feeds.values())
        warn = sum(f.warning_failed for f in self.feeds.values())
        return (
            f"quality gate {self.verdict_text}: {len(self.feeds)} feeds, {total} deliveries; problems found by "
            f"{crit} critical (严重) and {warn} warning (警告) checks — Data Docs: {self.docs_index}"
        )
