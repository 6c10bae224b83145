"""Landing discovery: every entry under the landing root, parsed into a delivery or a refusal.

The layout is ``<feed>/<YYYYMM>/<sender>_<feed>_<YYYYMM>[_<seq>].<ext>`` (DATA_CONTRACT.md). What
breaks it — an unknown feed folder, a wrong depth or name, a hidden file, a link out of the tree, a
device or pipe — is listed with the reason and the fix, never skipped, so the loader can record it
as refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.specs import FEEDS, FeedSpec

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}

FILE_RE = re.compile(r"^(?P<sender>[^_]+)_(?P<feed>.+)_(?P<period>\d{6})(?:_(?P<seq>[^._]+))?$")


@dataclass
class Delivery:
    path: Path
    rel: str
    feed: FeedSpec | None
    sender: str | None = None
    period: str | None = None
    seq: str = ""
    fmt: str | None = None
    problem: str | None = None  # set when the path breaks the landing layout
    unread: str | None = None  # a refused link or special file: never read, fingerprinted by this text

    @property
    def slot(self) -> tuple | None:
        return (self.feed.name, self.sender, self.period, self.seq) if self.sender and self.feed else None


def parse_delivery(root: Path, path: Path) -> Delivery:
    rel = path.relative_to(root).as_posix()
    parts = path.relative_to(root).parts
    if len(parts) != 3:
        return Delivery(
            path,
            rel,
            None,
            problem=(
                "not in the landing layout <feed>/<YYYYMM>/<sender>_<feed>_<YYYYMM>[_<seq>].<ext>; "
                "move it into its feed and period folder"
            ),
        )
    feed_dir, period_dir, name = parts
    feed = FEEDS.get(feed_dir)
    if feed is None:
        return Delivery(
            path, rel, None, problem=(f"unknown feed folder '{feed_dir}'; the contract's feeds are: {', '.join(FEEDS)}")
        )
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        return Delivery(path, rel, feed, problem=(f"unsupported file type '{suffix}'; deliver .csv, .xlsx or .parquet"))
    m = FILE_RE.match(path.name[: -len(suffix)])
    if not m or m["feed"] != feed.name:
        return Delivery(
            path, rel, feed, fmt=fmt, problem=(f"file name must be <sender>_{feed.name}_<YYYYMM>[_<seq>]{suffix}")
        )
    if not re.fullmatch(r"\d{6}", period_dir) or m["period"] != period_dir:
        return Delivery(
            path,
            rel,
            feed,
            fmt=fmt,
            problem=(f"period {m['period']} in the file name does not match its folder '{period_dir}'"),
        )
    month = int(period_dir[4:])
    if not 1 <= month <= 12:
        return Delivery(path, rel, feed, fmt=fmt, problem=f"period folder '{period_dir}' is not a YYYYMM month")
    return Delivery(path, rel, feed, sender=m["sender"], period=period_dir, seq=m["seq"] or "", fmt=fmt)


def _walk(root: Path, folder: Path) -> Iterator[Delivery]:
    """Every entry under ``folder`` that is delivered content: files, and links, which are refused
    unless they point at a file inside the landing tree (a link is never followed out of it)."""
    real_root = root.resolve()
    for p in sorted(folder.iterdir()):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            target = os.path.realpath(p)
            kind = "folder" if os.path.isdir(target) else "file"
            problem = None
            if not os.path.exists(target):
                problem = f"a symbolic link to '{os.readlink(p)}', which does not exist; deliver the file itself"
            elif kind == "folder":
                problem = (
                    f"a symbolic link to the folder {target}: links are not followed; move or copy the "
                    "files themselves into the landing tree"
                )
            elif not Path(target).is_relative_to(real_root):
                problem = (
                    f"a symbolic link to {target}, outside the landing tree: it is not read; deliver the file itself"
                )
            if problem:
                parts = p.relative_to(root).parts
                feed = FEEDS.get(parts[0]) if len(parts) > 1 else None
                yield Delivery(p, rel, feed, problem=problem, unread=f"link to {target}")
                continue
        if p.is_dir():
            yield from _walk(root, p)
            continue
        d = parse_delivery(root, p)
        hidden = [part for part in p.relative_to(root).parts if part.startswith(".")]
        if not p.is_file():
            d.problem = "not a regular file (a device, socket or pipe); deliver a file"
            d.unread = f"special file {rel}"
        elif hidden:
            d.problem = (
                f"a hidden {'file' if hidden[-1] == p.name else 'folder'} ('{hidden[0]}' starts with '.') "
                "is not loaded; if it is a delivery, rename it without the leading dot, otherwise "
                "remove it from the landing tree"
            )
        yield d


def discover(root: Path) -> list[Delivery]:
    """Every entry under the landing root, in load order (feed, period, name; a feed that refers to
    another, ``FeedSpec.after``, after every other): what is not a delivery (hidden files, links out of
    the tree, …) is listed with its problem, never skipped."""
    out = list(_walk(root, root))
    # a feed whose rows refer to another feed's (FeedSpec.after) loads after it
    out.sort(key=lambda d: (len(d.feed.after) if d.feed else 9, d.feed.name if d.feed else "~", d.period or "", d.rel))
    return out


SLOT_CONFLICT = "is in the landing tree for the same sender, feed, period and seq"


def same_slot_refusals(deliveries: list[Delivery], loaded: dict[tuple, tuple]) -> None:
    """Two files in the landing tree for one (sender, feed, period, seq) — ``x.csv`` beside ``x.xlsx``
    — would replace each other in turn: the one already loaded (else the first) is kept, the others
    are refused naming it."""
    by_slot: dict[tuple, list[Delivery]] = {}
    for d in deliveries:
        if d.problem is None and d.slot:
            by_slot.setdefault(d.slot, []).append(d)
    for slot, ds in by_slot.items():
        if len(ds) < 2:
            continue
        holder = loaded.get(slot)
        keep = next((d for d in ds if holder and d.rel == holder[1]), ds[0])
        for d in ds:
            if d is not keep:
                d.problem = (
                    f"{keep.rel} {SLOT_CONFLICT}: a "
                    "correction keeps the file name (it then replaces the batch), a second file of the "
                    "month needs its own _<seq>; remove one of them"
                )
