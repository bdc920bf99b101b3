"""Column mappings (``config/mappings/*.yaml``): which export column becomes which canonical column.

Two kinds, documented for users in docs/imports.md:

- ``tickets``: one export row per ticket (Zendesk, Jira, Freshdesk CSV exports); ``fields`` maps
  every canonical ticket column it can fill.
- ``eventlog``: one export row per status change or activity (process-mining logs); ``log`` names
  the case, activity and timestamp columns, ``milestones`` say which activities mean created, first
  response and resolved, and ``fields`` maps case attributes (priority, client, team, ...).

A mapping is read with ``yaml.safe_load`` into frozen dataclasses; validation collects every mistake
and raises one ``DataError`` naming the file, the key path, the value and what is allowed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, get_args

import yaml

from slametrics.errors import DataError

Kind = Literal["tickets", "eventlog"]
Pick = Literal["first", "last", "final"]
Unit = Literal["seconds", "minutes", "hours"]
AttributesFrom = Literal["last_event", "first_event"]
KINDS: tuple[str, ...] = get_args(Kind)
PICKS: tuple[str, ...] = get_args(Pick)
UNITS: tuple[str, ...] = get_args(Unit)
ATTRIBUTES_FROM: tuple[str, ...] = get_args(AttributesFrom)

#: canonical ticket columns a ``tickets`` mapping may fill (SLA_SPEC §1.1 plus source_sla_met)
TICKET_FIELDS = ("ticket_id", "client", "priority", "created_at", "first_response_at", "resolved_at",
                 "category", "team", "agent", "channel", "csat", "reopened", "source_sla_met")
#: the ones an ``eventlog`` mapping fills from case attributes (the rest come from log and milestones)
ATTRIBUTE_FIELDS = ("client", "priority", "category", "team", "agent", "channel", "csat", "reopened",
                    "source_sla_met")
REQUIRED_TICKET_FIELDS = ("ticket_id", "client", "priority", "created_at")
MILESTONES = ("created", "first_response", "resolved")
_DEFAULT_PICK = {"created": "first", "first_response": "first", "resolved": "final"}
Report = Callable[[str, Any, str], None]  # (key path, value, what is allowed)


@dataclass(frozen=True)
class Field:
    """Where one canonical column comes from.

    ``columns``: candidate export columns, the first the file has is read; or ``value``: a constant.
    ``after_created``: the column holds a duration in this unit after ``created_at`` (Zendesk's
    "First reply time in minutes"). ``met``/``breached``: the values meaning either, for
    ``source_sla_met`` (a "SLA breached" column maps ``met: ["No"]``, ``breached: ["Yes"]``),
    compared without regard to case; with ``pattern: true`` they are regular expressions searched in
    the value (Jira's "Time to resolution" is the time left: ``breached: ["^-"]``).
    """

    columns: tuple[str, ...] = ()
    value: str | None = None
    after_created: str | None = None
    met: tuple[str, ...] = ()
    breached: tuple[str, ...] = ()
    pattern: bool = False
    #: for ``csat``: the rating each value of a verdict column stands for (Zendesk's ``Good``: 5, ``Bad``: 1),
    #: compared without regard to case; a value not listed (``Offered``) is no rating
    scores: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Milestone:
    """Which events of a case give a milestone: ``first_event``, or the ``pick`` among ``activities``.

    pick ``first``: the earliest such event; ``last``: the latest; ``final``: where the case ends in
    one of these activities, the start of that final run (a reopened case counts its last resolution).
    """

    activities: tuple[str, ...] = ()
    pick: str = "first"
    first_event: bool = False


@dataclass(frozen=True)
class Mapping:
    path: str
    kind: str
    description: str
    timestamp_format: str  # "iso" or a strftime pattern such as "%Y/%m/%d %H:%M:%S"
    empty_values: tuple[str, ...]
    fields: dict[str, Field]
    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    status: str | None = None
    milestones: dict[str, Milestone] | None = None
    attributes_from: str = "last_event"


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; raises ``DataError`` listing every mistake."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"--mapping: {path}: no such file; the shipped mappings are in config/mappings/")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise DataError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or str(exc).splitlines()[0]}; "
                        "quote values holding [ ] { } : or #") from None
    problems: list[str] = []
    mapping = _parse(raw, str(path), problems)
    if problems or mapping is None:
        raise DataError(problems or [f"{path}: empty mapping file"])
    return mapping


def _parse(raw: Any, where: str, problems: list[str]) -> Mapping | None:
    def bad(key: str, value: Any, fix: str) -> None:
        problems.append(f"{where}: {key}: {value!r} {fix}")

    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping of keys (kind, timestamps, fields, ...), got {type(raw).__name__}")
        return None
    kind = raw.get("kind")
    if kind not in KINDS:
        bad("kind", kind, f"must be one of {{{', '.join(KINDS)}}}")
        return None
    allowed = {"kind", "description", "timestamps", "empty_values", "fields"}
    if kind == "eventlog":
        allowed |= {"log", "milestones", "attributes_from"}
    for key in raw:
        if key not in allowed:
            bad(str(key), raw[key], f"is not a key of a {kind} mapping; allowed: {', '.join(sorted(allowed))}")

    timestamps = raw.get("timestamps") or {}
    fmt = "iso"
    if not isinstance(timestamps, dict) or set(timestamps) - {"format"}:
        bad("timestamps", timestamps, "must be {format: iso} or {format: '<strftime pattern>'}")
    else:
        fmt = str(timestamps.get("format", "iso"))
        if fmt != "iso" and "%" not in fmt:
            bad("timestamps.format", fmt, "must be iso or a strftime pattern such as '%Y/%m/%d %H:%M:%S'")
    empty = raw.get("empty_values", [])
    if not isinstance(empty, list) or not all(isinstance(v, (str, int, float)) for v in empty):
        bad("empty_values", empty, "must be a list of texts that mean 'no value', e.g. ['?', 'NULL']")
        empty = []

    allowed_fields = TICKET_FIELDS if kind == "tickets" else ATTRIBUTE_FIELDS
    fields: dict[str, Field] = {}
    raw_fields = raw.get("fields") or {}
    if not isinstance(raw_fields, dict):
        bad("fields", raw_fields, "must map canonical columns to export columns")
        raw_fields = {}
    for name, spec in raw_fields.items():
        if name not in allowed_fields:
            bad(f"fields.{name}", spec, f"is not a column a {kind} mapping fills; allowed: {', '.join(allowed_fields)}")
            continue
        parsed = _field(spec, f"fields.{name}", name, kind, bad)
        if parsed is not None:
            fields[name] = parsed
    required = REQUIRED_TICKET_FIELDS if kind == "tickets" else ("client", "priority")
    for name in required:
        if name not in fields and not (kind == "eventlog" and name == "client"):
            problems.append(f"{where}: fields.{name}: missing; a {kind} mapping must say where {name} comes from")

    mapping = Mapping(path=where, kind=kind, description=str(raw.get("description", "")).strip(),
                      timestamp_format=fmt, empty_values=tuple(str(v) for v in empty), fields=fields)
    if kind == "tickets":
        return mapping

    log = raw.get("log") or {}
    names: dict[str, str | None] = {}
    if not isinstance(log, dict):
        bad("log", log, "must name the columns case, activity and timestamp (and optionally status)")
        log = {}
    for key in log:
        if key not in ("case", "activity", "timestamp", "status"):
            bad(f"log.{key}", log[key], "is not a log column; allowed: case, activity, timestamp, status")
    for key in ("case", "activity", "timestamp", "status"):
        value = log.get(key)
        if value is None:
            if key != "status":
                problems.append(f"{where}: log.{key}: missing; name the export column that holds the {key}")
        elif not isinstance(value, str) or not value.strip():
            bad(f"log.{key}", value, "must be a column name")
            value = None
        names[key] = value
    milestones: dict[str, Milestone] = {}
    raw_ms = raw.get("milestones") or {}
    if not isinstance(raw_ms, dict):
        bad("milestones", raw_ms, f"must map {', '.join(MILESTONES)} to activities")
        raw_ms = {}
    for key in raw_ms:
        if key not in MILESTONES:
            bad(f"milestones.{key}", raw_ms[key], f"is not a milestone; allowed: {', '.join(MILESTONES)}")
    for key in MILESTONES:
        spec = raw_ms.get(key)
        if spec is None:
            if key == "created":
                milestones[key] = Milestone(first_event=True)
            elif key == "resolved":
                problems.append(f"{where}: milestones.resolved: missing; list the activities that resolve a case")
            continue
        parsed_ms = _milestone(spec, f"milestones.{key}", key, bad)
        if parsed_ms is not None:
            milestones[key] = parsed_ms
    attributes_from = raw.get("attributes_from", "last_event")
    if attributes_from not in ATTRIBUTES_FROM:
        bad("attributes_from", attributes_from, f"must be one of {{{', '.join(ATTRIBUTES_FROM)}}}")
    return Mapping(path=where, kind=kind, description=mapping.description, timestamp_format=fmt,
                   empty_values=mapping.empty_values, fields=fields, case=names.get("case"),
                   activity=names.get("activity"), timestamp=names.get("timestamp"),
                   status=names.get("status") or names.get("activity"), milestones=milestones,
                   attributes_from=str(attributes_from))


def _field(spec: Any, key: str, name: str, kind: str, bad: Report) -> Field | None:
    if isinstance(spec, str):
        return Field(columns=(spec,))
    if isinstance(spec, list) and spec and all(isinstance(c, str) for c in spec):
        return Field(columns=tuple(spec))
    if not isinstance(spec, dict):
        bad(key, spec, "must be a column name, a list of candidate columns, or {column: ..., value: ...}")
        return None
    allowed = {"column", "value"}
    if name == "source_sla_met":
        allowed |= {"met", "breached", "pattern"}
    if name == "csat":
        allowed |= {"scores"}
    if kind == "tickets" and name in ("first_response_at", "resolved_at"):
        allowed |= {"after_created"}
    ok = True
    for sub in spec:
        if sub not in allowed:
            bad(f"{key}.{sub}", spec[sub], f"is not allowed here; allowed: {', '.join(sorted(allowed))}")
            ok = False
    column, value = spec.get("column"), spec.get("value")
    if isinstance(value, bool):
        bad(f"{key}.value", value, "is read by YAML as a boolean: quote it ('yes', 'true')")
        ok = False
    if (column is None) == (value is None):
        bad(key, spec, "needs exactly one of column (an export column, or a list of candidates) and value (a constant)")
        return None
    columns: tuple[str, ...] = ()
    if column is not None:
        if isinstance(column, str):
            columns = (column,)
        elif isinstance(column, list) and column and all(isinstance(c, str) for c in column):
            columns = tuple(column)
        else:
            bad(f"{key}.column", column, "must be a column name or a list of candidate column names")
            ok = False
    unit = spec.get("after_created")
    if unit is not None and unit not in UNITS:
        bad(f"{key}.after_created", unit, f"must be one of {{{', '.join(UNITS)}}}")
        ok = False
    met, breached = spec.get("met", []), spec.get("breached", [])
    if name == "source_sla_met" and column is not None:
        for sub, values in (("met", met), ("breached", breached)):
            if not isinstance(values, list) or not values:
                bad(f"{key}.{sub}", values, f"must list the values that mean {sub}, "
                                            "e.g. met: ['Within SLA'], breached: ['SLA Violated']")
                ok = False
            elif any(isinstance(v, bool) for v in values):
                bad(f"{key}.{sub}", values, "holds a value YAML reads as a boolean: quote it ('yes', 'no', 'true', 'false')")
                ok = False
    pattern = spec.get("pattern", False)
    if not isinstance(pattern, bool):
        bad(f"{key}.pattern", pattern, "must be true (the values are regular expressions) or false")
        ok = False
    elif pattern:
        for sub, values in (("met", met), ("breached", breached)):
            for v in values if isinstance(values, list) else []:
                try:
                    re.compile(str(v))
                except re.error as exc:
                    bad(f"{key}.{sub}", v, f"is not a regular expression ({exc})")
                    ok = False
    scores = spec.get("scores", {})
    if not isinstance(scores, dict) or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not 1 <= v <= 5
                                           for v in scores.values()):
        bad(f"{key}.scores", scores, "must map each value to a rating from 1 to 5, e.g. {Good: 5, Bad: 1}")
        ok = False
    if not ok:
        return None
    return Field(columns=columns, value=None if value is None else str(value), after_created=unit,
                 scores=tuple((str(k).lower(), float(v)) for k, v in scores.items()),
                 met=tuple(str(v) for v in met) if isinstance(met, list) else (),
                 breached=tuple(str(v) for v in breached) if isinstance(breached, list) else (), pattern=pattern)


def _milestone(spec: Any, key: str, name: str, bad: Report) -> Milestone | None:
    if spec == "first_event" or (isinstance(spec, dict) and spec.get("first_event") is True and len(spec) == 1):
        if name == "resolved":
            bad(key, spec, "cannot be first_event; list the activities that resolve a case")
            return None
        return Milestone(first_event=True)
    if isinstance(spec, list):
        spec = {"activities": spec}
    if not isinstance(spec, dict):
        bad(key, spec, "must be first_event, a list of activities, or {activities: [...], pick: first|last|final}")
        return None
    ok = True
    for sub in spec:
        if sub not in ("activities", "pick"):
            bad(f"{key}.{sub}", spec[sub], "is not allowed here; allowed: activities, pick (or first_event: true alone)")
            ok = False
    activities = spec.get("activities")
    if not isinstance(activities, list) or not activities or not all(isinstance(a, (str, int)) for a in activities):
        bad(f"{key}.activities", activities, "must be a non-empty list of activity names as written in the log")
        ok = False
    pick = spec.get("pick", _DEFAULT_PICK[name])
    if pick not in PICKS:
        bad(f"{key}.pick", pick, f"must be one of {{{', '.join(PICKS)}}}")
        ok = False
    if not ok:
        return None
    return Milestone(activities=tuple(str(a) for a in activities), pick=str(pick))
