"""The audit log: every sign-in, failed or refused sign-in, sign-out and download, one JSON line each.

``data/audit.jsonl`` beside the database (``$SLA_AUDIT`` overrides it), appended to and never
rewritten, so that the provider can show who saw what and when (the Data page lists it). Each line:
``{"at": "2026-12-01T09:30:00Z", "user": "acme", "event": "download", "contract": "acme",
"detail": "breaches-acme-2026-01-to-2026-10.csv"}``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Literal, get_args

import polars as pl

Event = Literal["sign_in", "sign_in_failed", "sign_in_refused", "sign_out", "download"]
EVENTS: tuple[str, ...] = get_args(Event)
AUDIT_SCHEMA = {"at": pl.Datetime("us", "UTC"), "user": pl.String, "event": pl.String, "contract": pl.String,
                "detail": pl.String, "address": pl.String}
_LOCK = threading.Lock()


def record(path: str | Path, user: str, event: str, contract: str | None = None, detail: str | None = None,
           at: dt.datetime | None = None, address: str | None = None) -> None:
    """Append one entry (one ``write`` of one line, under a lock: entries of concurrent sessions never mix).
    ``user`` may be whatever someone typed: it is kept to 64 printable characters."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    moment = (at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    typed = "".join(c if c.isprintable() else "?" for c in user[:64])
    line = json.dumps({"at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "user": typed, "event": event,
                       "contract": contract, "detail": detail, "address": address}, ensure_ascii=False) + "\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def read_audit(path: str | Path) -> pl.DataFrame:
    """Every entry, newest first (columns of ``AUDIT_SCHEMA``); a line that is not an entry is skipped."""
    rows = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            at = dt.datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        except (ValueError, KeyError, TypeError):
            continue
        rows.append({"at": at, **{k: None if entry.get(k) is None else str(entry.get(k))
                                  for k in ("user", "event", "contract", "detail", "address")}})
    # newest first; entries of the same second in the reverse of the order written
    return pl.DataFrame(rows[::-1], schema=AUDIT_SCHEMA, orient="row").sort("at", descending=True, maintain_order=True)
