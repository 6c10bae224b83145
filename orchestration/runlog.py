"""What `make run` shows on the terminal, and the run log that keeps everything else.

The terminal gets one line per stage (sample, preparation, feeds, quality gate, dbt build, exports,
reports), errors, and the summary. Everything else the process and its children write — Dagster's
event log with its DEBUG lines, dbt's output, Great Expectations' progress bars, Python warnings,
messages libraries print while the interpreter exits — goes to ``<output>/logs/run-<timestamp>.log``,
whose path the terminal shows at the start and in the summary.

The redirection is done on the file descriptors, not only on ``sys.stdout``: dbt runs in a
subprocess and some libraries write from C, and they all inherit descriptors 1 and 2.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# dbt's per-node result line: "12 of 445 OK created sql table model core.dim_x ... [OK in 0.1s]"
DBT_NODE_DONE = re.compile(r"^\s*(\d+) of (\d+) (?!START\b)[A-Z]")
DBT_DONE = re.compile(r"^Done\. (PASS=.*)$")
# dbt's recap of what went wrong, printed between these two lines when a node errors or fails
DBT_RECAP_START = re.compile(r"^Completed with \d+ error")
DBT_RECAP_END = DBT_DONE

MAX_ERROR_LINES = 12  # per failing step on the terminal; the log has the rest
MAX_LOGGED_ERRORS = 5  # ERROR-level messages shown on the terminal; the log has the rest


def run_log_path(output_dir: Path, now: dt.datetime | None = None) -> Path:
    """``<output>/logs/run-YYYYMMDD-HHMMSS.log``, one file per run (suffixed when two runs start in the same second)."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = Path(output_dir) / "logs" / f"run-{stamp}.log"
    n = 2
    while path.exists():
        path = path.with_name(f"run-{stamp}-{n}.log")
        n += 1
    return path


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{int(seconds // 60)} min {seconds % 60:.0f} s"


class _LineTap(io.TextIOBase):
    """A text stream that writes through and hands every complete line to ``on_line``."""

    def __init__(self, stream: TextIO, on_line: Callable[[str], None]):
        self._stream, self._on_line, self._pending = stream, on_line, ""

    def write(self, s: str) -> int:
        self._stream.write(s)
        lines = (self._pending + s).split("\n")
        self._pending = lines.pop()[-4096:]  # progress bars redraw with \r and no \n: keep the tail only
        for line in lines:
            self._on_line(line)
        return len(s)

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return self._stream.encoding

    def writable(self) -> bool:
        return True


class _Both(io.TextIOBase):
    def __init__(self, term: Terminal, log: TextIO):
        self._term, self._log = term, log

    def write(self, s: str) -> int:
        self._term.write(s)
        self._log.write(s)
        return len(s)

    def flush(self) -> None:
        self._term.out.flush()
        self._log.flush()

    def writable(self) -> bool:
        return True


class Terminal:
    """The lines `make run` means to show. On a TTY the current stage redraws in place; elsewhere
    (CI, pipes, tests) only finished lines are written, so the output stays short."""

    def __init__(self, out: TextIO, err: TextIO):
        self.out, self.err = out, err
        self._tty = out.isatty()
        self._live = False
        self._last_live = 0.0

    def line(self, text: str, *, error: bool = False) -> None:
        self._clear_live()
        stream = self.err if error else self.out
        stream.write(text + "\n")
        stream.flush()

    def write(self, text: str) -> None:
        self._clear_live()
        self.out.write(text)

    def live(self, text: str) -> None:
        """A transient progress line (TTY only, at most five redraws a second)."""
        if not self._tty or time.monotonic() - self._last_live < 0.2:
            return
        self._last_live = time.monotonic()
        self.out.write("\r\x1b[K" + text[:160])
        self.out.flush()
        self._live = True

    def _clear_live(self) -> None:
        if self._live:
            self.out.write("\r\x1b[K")
            self._live = False


class RunLog:
    """Points stdout and stderr (descriptors and ``sys`` streams) at the run log; the terminal stays
    reachable as ``self.term``. ``stop()`` puts everything back; `make run` never calls it, so what
    libraries print during interpreter exit lands in the log too."""

    def __init__(self, path: Path, out: TextIO | None = None, err: TextIO | None = None):
        self.path = Path(path)
        self._given = (out, err)
        self.dbt = DbtOutput()
        self.term: Terminal | None = None
        self._saved: tuple[int, int] | None = None

    def start(self) -> RunLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for s in (sys.stdout, sys.stderr):
            s.flush()
        out, err = self._given
        if out is None:  # the real terminal: duplicates of descriptors 1 and 2 before they move
            out = open(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        if err is None:
            err = open(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        self.term = Terminal(out, err)
        self._file = open(self.path, "a", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        self._saved = (os.dup(1), os.dup(2))
        os.dup2(self._file.fileno(), 1)
        os.dup2(self._file.fileno(), 2)
        self._sys = (sys.stdout, sys.stderr)
        sys.stdout = _LineTap(self._file, self.dbt.feed)  # dagster-dbt re-prints dbt's lines on sys.stdout
        sys.stderr = self._file
        return self

    def stop(self) -> None:
        if self._saved is None:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = self._sys
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        for fd in self._saved:
            os.close(fd)
        self._saved = None
        self._file.close()
        for s, given in zip((self.term.out, self.term.err), self._given, strict=True):
            if given is None:
                s.close()

    def __enter__(self) -> RunLog:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def write(self, text: str) -> None:
        """Into the log only."""
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    def summary_stream(self) -> TextIO:
        """The terminal and the log at once: the summary belongs in both."""
        return _Both(self.term, sys.stdout)

    def tail(self, n: int) -> list[str]:
        sys.stdout.flush()
        lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [ANSI.sub("", line) for line in lines[-n:] if line.strip()]


class DbtOutput:
    """What the terminal needs from dbt's output: nodes done, dbt's closing counts, and its recap
    of errors and failures."""

    def __init__(self):
        self.done = 0
        self.total = 0
        self.counts: str | None = None
        self.recap: list[str] = []
        self._in_recap = False
        self.on_progress: Callable[[], None] | None = None

    def feed(self, line: str) -> None:
        line = ANSI.sub("", line).rstrip()
        if m := DBT_NODE_DONE.match(line):
            self.done, self.total = max(self.done, int(m[1])), int(m[2])
            if self.on_progress:
                self.on_progress()
        elif m := DBT_DONE.match(line):
            self.counts = m[1]
            self._in_recap = False
        elif DBT_RECAP_START.match(line):
            self._in_recap = True
        elif self._in_recap and line.strip() and not line.lstrip().startswith("compiled code at"):
            self.recap.append(line)


def stage_of(step_key: str) -> str:
    """The terminal's stage for a Dagster step (derived from the asset keys' first part)."""
    if step_key.startswith("raw__"):
        return "loading feeds"
    if step_key == "quality_gate":
        return "quality gate"
    if step_key == "warehouse_models":
        return "dbt build"
    return step_key.split("__")[0]


class Progress(logging.Handler):
    """Turns Dagster's log records (events included) into the terminal's stage lines, and shows a
    failing step's error right away."""

    def __init__(self, log: RunLog, feeds_total: int):
        super().__init__(level=logging.DEBUG)
        self.log, self.term, self.feeds_total = log, log.term, feeds_total
        self.stage: str | None = None
        self.failed_steps: list[str] = []
        self.errors_shown = 0
        self.errors_hidden = 0
        self.stages_seen: set[str] = set()
        self.run_ended = time.perf_counter()
        self._reset(None)
        log.dbt.on_progress = self._dbt_live

    def saw_stage(self, stage: str) -> bool:
        return stage in self.stages_seen

    def _reset(self, stage: str | None) -> None:
        self.stage = stage
        if stage:
            self.stages_seen.add(stage)
        self.t0 = time.monotonic()
        self.steps_done = 0
        self.steps_failed = 0
        self.steps_skipped = 0
        self.warnings = 0
        self.files = {"loaded": 0, "refused": 0, "duplicate": 0, "unchanged": 0}
        self.gate_summary: str | None = None

    # logging.Handler
    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._handle(record)
        except Exception:  # progress must never break the run
            self.handleError(record)

    def _handle(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event") or getattr(record, "dagster_event", None)
        step = meta.get("step_key") or (event.step_key if event else None)
        if step and stage_of(step) != self.stage:
            self.finish_stage()
            self._reset(stage_of(step))
        if event is None:
            self._user_message(record, meta.get("orig_message") or record.getMessage())
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self._live()
        elif kind == "STEP_SUCCESS":
            self.steps_done += 1
            self._live()
        elif kind == "STEP_SKIPPED":
            self.steps_skipped += 1
        elif kind == "STEP_FAILURE":
            self.steps_failed += 1
            self.failed_steps.append(step)
            self._show_failure(step, event)
        elif kind == "ASSET_MATERIALIZATION" and self.stage == "loading feeds":
            md = event.step_materialization_data.materialization.metadata
            for status in self.files:
                v = md.get(f"files_{status}")
                self.files[status] += int(getattr(v, "value", v) or 0)
        elif kind in ("RUN_SUCCESS", "RUN_FAILURE"):
            self.finish_stage()
            self._reset(None)

    def _user_message(self, record: logging.LogRecord, msg: str) -> None:
        if self.stage == "quality gate" and msg.startswith("quality gate "):
            self.gate_summary = msg.split(" — Data Docs")[0].removeprefix("quality gate ")
        if record.levelno >= logging.ERROR:
            if self.errors_shown < MAX_LOGGED_ERRORS:
                self.errors_shown += 1
                self.term.line(f"  error ({self.stage}): {msg.splitlines()[0][:300]}", error=True)
            else:
                self.errors_hidden += 1
        elif record.levelno >= logging.WARNING:
            self.warnings += 1

    def _live(self) -> None:
        if self.stage == "loading feeds":
            self.term.live(f"loading feeds {self.steps_done}/{self.feeds_total} …")
        elif self.stage:
            self.term.live(f"{self.stage} …")

    def _dbt_live(self) -> None:
        d = self.log.dbt
        self.term.live(f"dbt build: {d.done}/{d.total} nodes done …")

    def _show_failure(self, step: str, event) -> None:
        err = event.step_failure_data.error
        lines: list[str] = []
        while err is not None:
            lines += [ln for ln in err.message.strip().splitlines() if ln.strip()]
            err = err.cause
        if step == "warehouse_models" and self.log.dbt.recap:
            lines += ["dbt says:", *self.log.dbt.recap]
        shown = lines[:MAX_ERROR_LINES]
        self.term.line(f"FAILED {self.stage} (step {step}):", error=True)
        for ln in shown:
            self.term.line("  " + ln[:300], error=True)
        more = f"{len(lines) - len(shown)} more line(s) and " if len(lines) > len(shown) else ""
        self.term.line(f"  {more}the full output: {self.log.path}", error=True)

    def finish_stage(self) -> None:
        """The stage's one line on the terminal."""
        if self.stage is None:
            return
        took = duration(time.monotonic() - self.t0)
        notes = []
        if self.steps_failed:
            notes.append("FAILED")
        if self.steps_skipped:
            notes.append(f"{self.steps_skipped} step(s) skipped: an upstream step failed")
        if self.warnings:
            notes.append(f"{self.warnings} warning(s) in the log")
        if self.stage == "loading feeds":
            f = self.files
            text = (
                f"loading feeds: {self.steps_done}/{self.feeds_total} feed assets, {f['loaded']} file(s) loaded, "
                f"{f['refused']} refused, {f['duplicate']} duplicate(s), {f['unchanged']} unchanged"
            )
        elif self.stage == "quality gate":
            text = f"quality gate: {self.gate_summary or 'done'}"
        elif self.stage == "dbt build":
            d = self.log.dbt
            text = f"dbt build: {d.done}/{d.total} nodes done" + (f" ({d.counts})" if d.counts else "")
        else:
            text = f"{self.stage}: {'done' if self.steps_done else 'not done'}"
        self.term.line(f"{text}{' — ' + '; '.join(notes) if notes else ''} ({took})")
        self.stage = None
        self.run_ended = time.perf_counter()  # the end of the job's last stage so far

    def after_run(self) -> None:
        self.finish_stage()
        if self.errors_hidden:
            self.term.line(f"  … {self.errors_hidden} more error message(s) in {self.log.path}", error=True)


def attach(instance, handler: logging.Handler) -> None:
    """Give ``handler`` every log record of the runs this process starts on ``instance``.

    Dagster hands each run's records, events included, to ``instance.get_handlers()`` (its event-log
    handler and the handlers of dagster.yaml's ``python_logs``); adding ours there works for any
    instance — ``$DAGSTER_HOME``'s or a test's — without changing its configuration.
    """
    base = instance.get_handlers
    instance.get_handlers = lambda: [*base(), handler]
