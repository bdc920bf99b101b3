"""The Data page's upload: keep the files, preview them, ingest them through the engine's own ingest."""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
import streamlit as st

from slametrics.ingest import ingest_files, read_table
from slametrics.policy import Policy
from slametrics.errors import AccessError, SlaError
from ui import data, session


ABANDONED_S = 3600  # an upload never loaded is removed after an hour


def _root() -> Path:
    digest = hashlib.sha1(str(data.db_path().resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / "slametrics-uploads" / digest


def upload_dir() -> Path:
    """Where this session keeps its uploads until they are loaded: a folder of its own, private to the
    server's user (two visitors' files of the same name never meet)."""
    if "_upload_folder" not in st.session_state:
        st.session_state["_upload_folder"] = uuid.uuid4().hex
    folder = _root() / st.session_state["_upload_folder"]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def keep(name: str, content: bytes, kind: str) -> Path:
    """Store an uploaded file of ``kind`` (tickets, events) under its own name, apart from the other kind,
    and remove what other sessions left and never loaded."""
    _sweep()
    path = upload_dir() / kind / Path(name).name
    path.parent.mkdir(exist_ok=True, mode=0o700)
    path.write_bytes(content)
    return path


def source_of(path: Path) -> str:
    """The name an upload is ingested under: its kind and file name, so loading a file of the same name
    again replaces its tickets' rejects, as ``ingest`` of the same file does."""
    return f"upload:{path.parent.name}/{path.name}"


def _sweep(now: float | None = None) -> None:
    now = time.time() if now is None else now
    for folder in _root().glob("*") if _root().exists() else ():
        try:
            if now - folder.stat().st_mtime > ABANDONED_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def forget(*paths: Path | None) -> None:
    """Remove kept uploads once they are ingested (or refused): the server keeps no client's export."""
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def preview(path: Path, kind: str, rows: int = 20) -> pl.DataFrame:
    """The first rows as read for the ingest (CSV as text), with the input's line numbers."""
    return read_table(path, kind).head(rows).rename({"_line": "line"})


def shipped_mappings(kind: str) -> list[str]:
    """Names of the mappings in config/mappings/ of a kind ('eventlog' or 'tickets'), for the format's choice."""
    import yaml

    from slametrics.imports import MAPPINGS_DIR, _REPO_MAPPINGS

    folder = MAPPINGS_DIR if MAPPINGS_DIR.exists() else _REPO_MAPPINGS
    names = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            if (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("kind") == kind:
                names.append(path.stem)
        except (OSError, yaml.YAMLError):
            continue  # a broken mapping is reported when chosen, not here
    return names


def ingest(tickets: Path, events: Path | None, timezone: str, policy: Policy | None, *, fmt: str = "canonical",
           mapping: str | Path | None = None, client: str | None = None,
           client_column: str | None = None) -> tuple[list[str], pl.DataFrame]:
    """Load the files in one write (swapped in whole: sessions keep reading meanwhile): the summary's lines and this input's rejects.

    ``fmt`` other than canonical goes through the same converters as ``ingest --format``.
    """
    who = session.user()
    if who is None or not who.can_upload:  # the page offers no upload then; this is where it is enforced
        raise AccessError("loading tickets is for the provider's account; nothing was loaded")
    try:
        return _ingest(tickets, events, timezone, policy, fmt=fmt, mapping=mapping, client=client,
                       client_column=client_column)
    except SlaError as exc:
        raise type(exc)(_as_uploaded(exc.problems, tickets, events, fmt)) from None
    finally:
        forget(tickets, events)


def _as_uploaded(problems: list[str], tickets: Path, events: Path | None, fmt: str) -> list[str]:
    """An ingest's problems as the uploader knows the files (their names, never the server's folder), and,
    where a ticket file lacks the ticket format's columns, the export it looks like."""
    out = []
    for problem in problems:
        for path in (tickets, events):
            if path is not None:
                problem = problem.replace(str(path.resolve()), path.name).replace(str(path), path.name)
        out.append(problem)
    if fmt == "canonical" and any("missing" in p for p in problems):
        from slametrics.imports import looks_like
        from slametrics.ingest import header_of

        guess = looks_like(header_of(tickets) or [])
        if guess:
            out.append(f"{tickets.name} looks like a {guess.split()[0]} export: choose {guess} as its format "
                       "above and load it again.")
    return out


def _ingest(tickets: Path, events: Path | None, timezone: str, policy: Policy | None, *, fmt: str,
            mapping: str | Path | None, client: str | None, client_column: str | None) -> tuple[list[str], pl.DataFrame]:
    with data.writable() as con:
        if fmt == "canonical":
            summary = ingest_files(con, tickets, events, timezone=timezone, policy=policy,
                                   source=source_of(tickets), events_source=events and source_of(events))
            lines = summary.lines()
        else:
            from slametrics.imports import import_export

            result = import_export(con, fmt, tickets, mapping=mapping, client=client, client_column=client_column,
                                   timezone=timezone, policy=policy, source=source_of(tickets))
            summary, lines = result.ingest, result.lines()
        sources = [summary.source] + ([summary.events_source] if summary.events_source else [])
        rejected = data.rejects(con, sources)
    return lines, rejected


def readable(lines: list[str]) -> list[str]:
    """The ingest summary with uploads named as they were uploaded."""
    return [line.replace("upload:tickets/", "").replace("upload:events/", "") for line in lines]
