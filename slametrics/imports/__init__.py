"""Imports: helpdesk exports turned into canonical tickets and status events (docs/imports.md).

``import_export(con, "servicenow", "incidents.csv.gz", client="Acme", timezone="Europe/Rome")``
converts an export with set-based polars expressions and hands the canonical frames to
``slametrics.ingest.ingest_frames``, which rejects bad rows (with the export's line number), stores
the rest in one transaction, and makes a second run of the same import change nothing.

This module stays light (the command line reads ``FORMATS`` at start-up); converters load on use.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from slametrics.imports.values import ImportSummary
    from slametrics.ingest import Progress
    from slametrics.policy import Policy

#: formats besides ``canonical``: a fixed converter, a generic event log, and tabular CSV exports
FORMATS = ("servicenow", "eventlog", "zendesk", "jira", "freshdesk")
#: formats read by a shipped mapping in config/mappings/ unless --mapping names another
DEFAULT_MAPPINGS = {"zendesk": "zendesk.yaml", "jira": "jira.yaml", "freshdesk": "freshdesk.yaml"}
MAPPINGS_DIR = Path("config") / "mappings"
_REPO_MAPPINGS = Path(__file__).resolve().parents[2] / MAPPINGS_DIR


def looks_like(columns: list[str]) -> str | None:
    """The export a header looks like, as the option to give (``servicenow``, ``zendesk``, ``eventlog
    --mapping helpdesk_italian``), or None: ServiceNow's required columns, a shipped ticket mapping's
    id, creation and priority columns, or an event-log mapping's case, activity and timestamp columns."""
    from slametrics.imports import servicenow
    from slametrics.imports.mapping import load_mapping

    names = set(columns)
    if set(servicenow.REQUIRED) <= names:
        return "servicenow"
    for path in sorted(_REPO_MAPPINGS.glob("*.yaml")):
        try:
            mapping = load_mapping(path)
        except Exception:  # a broken shipped mapping is its own test's failure, not a guess
            continue
        if mapping.kind == "tickets":
            wanted = [mapping.fields[k].columns for k in ("ticket_id", "created_at", "priority") if k in mapping.fields]
            if len(wanted) == 3 and all(any(c in names for c in cols) for cols in wanted) \
                    and path.stem in DEFAULT_MAPPINGS:
                return path.stem
        elif mapping.case and mapping.activity and mapping.timestamp:
            if {mapping.case, mapping.activity, mapping.timestamp} <= names:
                return f"eventlog --mapping {path.stem}"
    return None


def mapping_path(fmt: str, mapping: str | Path | None) -> Path | None:
    """The mapping file an import uses: the one given (a path, or a shipped mapping's name) or the format's default.

    ``bpic2013_volvo`` names ``config/mappings/bpic2013_volvo.yaml`` (looked up under the working
    directory, then next to the package).
    """
    from slametrics.errors import DataError

    if mapping is None:
        if fmt == "eventlog":
            raise DataError("--mapping: the eventlog format needs a column mapping; see config/mappings/ "
                            "(e.g. --mapping config/mappings/helpdesk_italian.yaml) and docs/imports.md")
        if fmt not in DEFAULT_MAPPINGS:
            return None
        mapping = DEFAULT_MAPPINGS[fmt]
    elif fmt == "servicenow":
        raise DataError("--mapping: the servicenow format has fixed rules (docs/imports.md) and takes no mapping; "
                        "for another audit log use --format eventlog with a mapping")
    path = Path(mapping)
    if path.exists():
        return path
    if len(path.parts) == 1:
        name = path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml"
        for folder in (MAPPINGS_DIR, _REPO_MAPPINGS):
            if (folder / name).exists():
                return folder / name
    return path  # load_mapping reports it missing


def import_export(con: duckdb.DuckDBPyConnection, fmt: str, path: str | Path, *, mapping: str | Path | None = None,
                  client: str | None = None, client_column: str | None = None, timezone: str = "UTC",
                  policy: Policy | None = None, progress: Progress | None = None,
                  source: str | None = None) -> ImportSummary:
    """Convert one export of format ``fmt`` and ingest it; ``source`` names the input (default: its absolute path).

    Re-importing the same source replaces its tickets, their events and its rejects, so running the
    same import twice gives the same summary and changes nothing.
    """
    from slametrics.errors import DataError
    from slametrics.imports import eventlog, servicenow, tabular
    from slametrics.imports.mapping import load_mapping
    from slametrics.imports.values import ImportSummary, read_export
    from slametrics.ingest import ingest_frames

    if fmt not in FORMATS:
        raise DataError(f"--format: unknown format {fmt!r}; allowed: canonical, {', '.join(FORMATS)}")
    report = progress or (lambda phase, fraction: None)
    map_path = mapping_path(fmt, mapping)
    loaded = load_mapping(map_path) if map_path is not None else None
    if loaded is not None:
        wanted = "eventlog" if fmt == "eventlog" else "tickets"
        if loaded.kind != wanted:
            raise DataError(f"--mapping: {map_path} is a {loaded.kind} mapping; --format {fmt} needs a {wanted} mapping")
    source = source or str(Path(path).resolve())
    report("reading export", 0.0)
    frame = read_export(path)
    where = str(path)
    report("converting", 0.05)
    events = None
    if fmt == "servicenow":
        tickets, events, notes = servicenow.convert(frame, client=client, client_column=client_column,
                                                    timezone=timezone, where=where)
        word = "incidents"
    elif fmt == "eventlog":
        assert loaded is not None
        tickets, events, notes = eventlog.convert(frame, loaded, client=client, client_column=client_column,
                                                  timezone=timezone, where=where)
        word = "cases"
    else:
        assert loaded is not None
        tickets, notes = tabular.convert(frame, loaded, client=client, client_column=client_column,
                                         timezone=timezone, where=where)
        word = "tickets"
    summary = ingest_frames(con, tickets, events, source=source, timezone=timezone, policy=policy, progress=progress)
    return ImportSummary(format=fmt if loaded is None else f"{fmt}, mapping {map_path}", export=where,
                         export_rows=frame.height, cases=tickets.height, case_word=word, ingest=summary, notes=notes)
