"""The Data page's upload: keep the files, preview them, ingest them through the engine's own ingest."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import polars as pl

from slametrics.ingest import ingest_files, read_table
from slametrics.policy import Policy
from slametrics.errors import AccessError
from ui import data, session


def upload_dir() -> Path:
    """Where uploads are kept between runs, one folder per database (so re-loading a file replaces its rejects)."""
    digest = hashlib.sha1(str(data.db_path().resolve()).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "slametrics-uploads" / digest
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(name: str, content: bytes) -> Path:
    """Store an uploaded file under its own name; the same name is the same input to the ingest."""
    path = upload_dir() / Path(name).name
    path.write_bytes(content)
    return path


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
    """Write through a short-lived read-write connection: the summary's lines and this input's rejects.

    ``fmt`` other than canonical goes through the same converters as ``ingest --format``.
    """
    who = session.user()
    if who is None or not who.can_upload:  # the page offers no upload then; this is where it is enforced
        raise AccessError("loading tickets is for the provider's account; nothing was loaded")
    with data.writable() as con:
        if fmt == "canonical":
            summary = ingest_files(con, tickets, events, timezone=timezone, policy=policy)
            lines = summary.lines()
        else:
            from slametrics.imports import import_export

            result = import_export(con, fmt, tickets, mapping=mapping, client=client, client_column=client_column,
                                   timezone=timezone, policy=policy)
            summary, lines = result.ingest, result.lines()
        sources = [summary.source] + ([summary.events_source] if summary.events_source else [])
        rejected = data.rejects(con, sources)
    return lines, rejected


def readable(lines: list[str]) -> list[str]:
    """The ingest summary without the upload folder in front of file names."""
    folder = str(upload_dir().resolve()) + "/"
    return [line.replace(folder, "") for line in lines]
