"""A slow, obviously-correct reference of SLA_SPEC §3-§5, used only to produce and check golden files.

It shares no code and no approach with the engine: business time is found by walking forward from a
UTC instant, one minute at a time where a whole minute fits (else one second), and asking of each
step "is this instant a working one?" after converting it to local time with zoneinfo. The engine
turns local intervals into absolute time per day instead; the two agree except for interval ends that
fall inside a daylight-saving gap or a repeated hour, which the golden calendars avoid.

Only what the golden cases use is read: policies are assumed valid and input rows clean (a row the
engine would reject makes this module raise, so a golden case never leans on rejection by accident).
Every share is a ``Fraction`` of the decimal written; money is rounded half up to cents.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

UTC = dt.timezone.utc
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEFAULT_RESOLVED = ("resolved", "closed", "solved")

EVALUATE_COLUMNS = [
    "ticket_id", "contract", "service_level", "metric", "priority", "period", "target_seconds",
    "elapsed_seconds", "paused_seconds", "outcome", "overrun_seconds",
]
COMPLIANCE_COUNTS = ["met", "breached", "pending", "assessed", "compliance", "objective", "status", "provisional"]
CREDITS_COLUMNS = [
    "period", "contract", "service_level", "assessed", "compliance", "objective", "credit_rate",
    "credit_amount", "bonus_rate", "bonus_amount", "currency", "claim_by", "provisional",
]


def compliance_columns(by: list[str]) -> list[str]:
    return ["period", "contract", "service_level", *by, *COMPLIANCE_COUNTS]


# --------------------------------------------------------------------------------------------- policy

@functools.cache
def country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    """Public holidays of a country (and subdivision) in a year, as the `holidays` package lists them."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True)
class Calendar:
    timezone: ZoneInfo
    hours: dict[int, tuple[tuple[int, int], ...]]  # weekday (0 = mon) -> (start, end) minutes of the local day
    dates: frozenset[dt.date]
    country: str | None
    subdivision: str | None

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.dates:
            return True
        if self.country is None:
            return False
        return day in country_holidays(self.country, self.subdivision, day.year)

    def works_at(self, instant: dt.datetime) -> bool:
        """Whether the UTC `instant` falls in working time: local weekday, local minute, local date."""
        local = instant.astimezone(self.timezone)
        if self.is_holiday(local.date()):
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.hours.get(local.weekday(), ()))


@dataclass(frozen=True)
class ServiceLevel:
    name: str
    metric: str
    targets: dict[str, int]
    calendar: str | None
    objective: Fraction
    credits: tuple[tuple[Fraction, Fraction], ...]  # (below, credit)
    pause_statuses: tuple[str, ...] | None
    per_breach: Fraction | None = None  # §8
    bonus: tuple[tuple[Fraction, Fraction], ...] = ()  # (at_least, bonus)
    priorities: tuple[str, ...] | None = None  # §9: the priorities a ticket-outcome level covers (None: all)
    satisfied_at_least: Fraction = Fraction(4)  # §9, satisfaction only


@dataclass(frozen=True)
class Contract:
    name: str
    clients: tuple[str, ...]
    calendar: str
    pause_statuses: tuple[str, ...]
    resolved_statuses: tuple[str, ...]
    monthly_fee: Fraction | None
    currency: str | None
    credit_cap: Fraction
    min_tickets: int
    service_levels: dict[str, ServiceLevel]
    bonus_cap: Fraction = Fraction(1)
    claim_within_days: int | None = None  # from payment (§8); None without payment
    amendments: tuple = ()  # (first month 'YYYY-MM', Contract) per amendment, in order (§7)


def in_force(contract: Contract, month: str) -> Contract:
    """§7: the last amendment whose month is at or before ``month``, else the contract's own terms."""
    chosen = contract
    for start, terms in contract.amendments:
        if start <= month:
            chosen = terms
    return chosen


@dataclass(frozen=True)
class Policy:
    calendars: dict[str, Calendar]
    contracts: dict[str, Contract]


def share(value: object) -> Fraction:
    """The decimal as written: 0.95 is exactly 19/20."""
    return Fraction(str(value))


def parse_duration(text: str) -> int:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?", str(text))
    if not match or not any(match.groups()):
        raise ValueError(f"bad duration {text!r}")
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60


def parse_clock_time(text: str) -> int:
    hh, mm = text.split(":")
    minute = int(hh) * 60 + int(mm)
    assert 0 <= minute <= 24 * 60 and int(mm) < 60, text
    return minute


def parse_hours(hours: object) -> dict[int, tuple[tuple[int, int], ...]]:
    if hours == "always":
        return {day: ((0, 24 * 60),) for day in range(7)}
    out: dict[int, list[tuple[int, int]]] = {}
    for key, value in dict(hours).items():
        first, _, last = str(key).partition("-")
        days = range(DAYS.index(first), DAYS.index(last or first) + 1)
        intervals = [value] if isinstance(value, str) else list(value)
        for day in days:
            for interval in intervals:
                start, end = (parse_clock_time(part) for part in interval.split("-"))
                assert start < end, interval
                out.setdefault(day, []).append((start, end))
    return {day: tuple(sorted(spans)) for day, spans in out.items()}


def as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def load_policy(path: Path) -> Policy:
    raw = yaml.safe_load(Path(path).read_text())
    calendars = {}
    for name, cal in raw["calendars"].items():
        hol = cal.get("holidays") or {}
        calendars[name] = Calendar(
            timezone=ZoneInfo(cal["timezone"]),
            hours=parse_hours(cal["hours"]),
            dates=frozenset(as_date(d) for d in hol.get("dates", [])),
            country=hol.get("country"),
            subdivision=hol.get("subdivision"),
        )
    contracts = {}
    for name, con in raw["contracts"].items():
        own = terms_of(name, con)
        versions, merged = [], {k: v for k, v in con.items() if k != "amendments"}
        for amendment in con.get("amendments") or []:
            # §7: a key named replaces that key whole (null: removed, its default again); under
            # service_levels a level's mapping replaces or adds it, null ends it; the rest carries over
            merged = dict(merged)
            for key, value in amendment.items():
                if key in ("from", "note"):
                    continue
                if key == "service_levels":
                    levels = dict(merged.get("service_levels") or {})
                    for level_name, level in value.items():
                        if level is None:
                            levels.pop(level_name, None)
                        else:
                            levels[level_name] = level
                    merged["service_levels"] = levels
                elif value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            versions.append((str(amendment["from"]), terms_of(name, merged)))
        contracts[name] = Contract(**{**own.__dict__, "amendments": tuple(versions)})
    return Policy(calendars=calendars, contracts=contracts)


def terms_of(name: str, con: dict) -> Contract:
    """One version of a contract's terms, from its raw mapping."""
    levels = {}
    for sl_name, sl in con["service_levels"].items():
        own_pauses = sl.get("pause_statuses")
        levels[sl_name] = ServiceLevel(
            name=sl_name,
            metric=sl["metric"],
            targets={str(k): parse_duration(v) for k, v in (sl.get("targets") or {}).items()},
            calendar=sl.get("calendar"),
            objective=share(sl["objective"]),
            credits=tuple((share(t["below"]), share(t["credit"])) for t in sl.get("credits") or []),
            pause_statuses=None if own_pauses is None else tuple(own_pauses),
            per_breach=None if sl.get("per_breach") is None else share(sl["per_breach"]),
            bonus=tuple((share(t["at_least"]), share(t["bonus"])) for t in sl.get("bonus") or []),
            priorities=None if sl.get("priorities") is None else tuple(str(p) for p in sl["priorities"]),
            satisfied_at_least=share(sl.get("satisfied_at_least", 4)),
        )
    fee = con.get("monthly_fee")
    return Contract(
        name=name,
        clients=tuple(str(c) for c in con["clients"]),
        calendar=con["calendar"],
        pause_statuses=tuple(con.get("pause_statuses", [])),
        resolved_statuses=tuple(con.get("resolved_statuses", DEFAULT_RESOLVED)),
        monthly_fee=None if fee is None else share(fee),
        currency=con.get("currency"),
        credit_cap=share(con.get("credit_cap", 1)),
        min_tickets=int(con.get("min_tickets", 0)),
        service_levels=levels,
        bonus_cap=share(con["bonus_cap"]) if con.get("bonus_cap") is not None else Fraction(1),
        claim_within_days=int(con["payment"]["claim_within_days"]) if con.get("payment") else None,
    )


# ----------------------------------------------------------------------------------------- timestamps

TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?"
)


def parse_timestamp(text: str, timezone: str = "UTC") -> dt.datetime | None:
    """ISO 8601 to an aware UTC datetime, truncated to whole seconds; naive text is read in `timezone`
    taking the earlier reading of a repeated local time (fold=0). Empty text is None."""
    text = text.strip()
    if not text:
        return None
    match = TIMESTAMP.fullmatch(text)
    if not match:
        raise ValueError(f"bad timestamp {text!r}")
    y, mo, d, h, mi, s, offset = match.groups()
    fields = [int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0)]
    if offset is None:
        local = dt.datetime(*fields, tzinfo=ZoneInfo(timezone), fold=0)
    elif offset == "Z":
        local = dt.datetime(*fields, tzinfo=UTC)
    else:
        sign = 1 if offset[0] == "+" else -1
        delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        local = dt.datetime(*fields, tzinfo=dt.timezone(sign * delta))
    return local.astimezone(UTC)


# ------------------------------------------------------------------------------------------- history

@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    client: str
    priority: str
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    extra: dict[str, str]  # category, team, agent, channel, csat, reopened as text


@dataclass(frozen=True)
class Event:
    line: int
    ticket_id: str
    at: dt.datetime
    status: str


def read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows with their line numbers (header = line 1); the golden files have no multi-line cells."""
    with open(path, newline="", encoding="utf-8") as f:
        return [(i + 2, row) for i, row in enumerate(csv.DictReader(f))]


def read_tickets(path: Path, timezone: str = "UTC") -> list[Ticket]:
    tickets = []
    for line, row in read_csv(path):
        for col in ("ticket_id", "client", "priority", "created_at"):
            assert row[col].strip(), f"{path}:{line}: {col} is empty (golden cases hold clean rows only)"
        created = parse_timestamp(row["created_at"], timezone)
        first = parse_timestamp(row.get("first_response_at", ""), timezone)
        resolved = parse_timestamp(row.get("resolved_at", ""), timezone)
        assert first is None or first >= created, f"{path}:{line}: first_response_at before created_at"
        assert resolved is None or resolved >= created, f"{path}:{line}: resolved_at before created_at"
        extra = {k: row.get(k, "") or "" for k in ("category", "team", "agent", "channel", "csat", "reopened")}
        tickets.append(Ticket(row["ticket_id"], row["client"], row["priority"], created, first, resolved, extra))
    ids = [t.ticket_id for t in tickets]
    assert len(ids) == len(set(ids)), f"{path}: duplicated ticket_id"
    return tickets


def read_events(path: Path | None, timezone: str = "UTC") -> list[Event]:
    if path is None or not Path(path).exists():
        return []
    events = []
    for line, row in read_csv(path):
        at = parse_timestamp(row["at"], timezone)
        assert at is not None and row["status"].strip(), f"{path}:{line}: empty column"
        events.append(Event(line, row["ticket_id"], at, row["status"]))
    return events


# --------------------------------------------------------------------------------------------- clocks

def business_seconds(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working seconds in [start, end), walked forward from `start`."""
    total = 0
    t = start
    minute = dt.timedelta(minutes=1)
    second = dt.timedelta(seconds=1)
    while t < end:
        step = minute if t.second == 0 and t + minute <= end else second
        if calendar.works_at(t):
            total += int(step.total_seconds())
        t += step
    return total


def status_at(events: list[Event], moment: dt.datetime) -> str | None:
    """The status held at `moment`: the last of the (time-ordered, ties in input order) events at or
    before it; None before the first event."""
    held = None
    for event in events:
        if event.at <= moment:
            held = event.status
    return held


def evaluate(policy: Policy, tickets: list[Ticket], events: list[Event], as_of: dt.datetime) -> list[dict]:
    """One dict per clock, with the columns of `evaluate` plus the ticket's breakdown fields."""
    clocks = []
    for ticket in tickets:
        if ticket.created_at > as_of:
            continue
        contract = next((c for c in policy.contracts.values() if ticket.client in c.clients), None)
        if contract is None:
            continue
        # Events after as_of have not happened yet; one before created_at counts at created_at.
        own = [
            Event(e.line, e.ticket_id, max(e.at, ticket.created_at), e.status)
            for e in events
            if e.ticket_id == ticket.ticket_id and e.at <= as_of
        ]
        own.sort(key=lambda e: (e.at, e.line))
        first_response = ticket.first_response_at if ticket.first_response_at and ticket.first_response_at <= as_of else None
        resolved = ticket.resolved_at if ticket.resolved_at and ticket.resolved_at <= as_of else None
        period = ticket.created_at.astimezone(policy.calendars[contract.calendar].timezone).strftime("%Y-%m")
        contract = in_force(contract, period)  # §7: judged by the terms of the month it was created in
        for level in contract.service_levels.values():
            if level.metric in OUTCOME_METRICS:  # §9: no clock, the ticket's outcome
                row = ticket_outcome(level, ticket, first_response, resolved)
                if row is not None:
                    clocks.append({"ticket_id": ticket.ticket_id, "contract": contract.name, "service_level": level.name,
                                   "metric": level.metric, "priority": ticket.priority, "period": period,
                                   "target_seconds": None, "elapsed_seconds": None, "paused_seconds": None,
                                   "outcome": row, "overrun_seconds": None, "client": ticket.client, **ticket.extra})
                continue
            if ticket.priority not in level.targets:
                continue
            calendar = policy.calendars[level.calendar or contract.calendar]
            if level.metric == "first_response":
                stop = first_response or resolved
                pausing = set(level.pause_statuses or ())
            else:
                stop = resolved
                own_pauses = contract.pause_statuses if level.pause_statuses is None else level.pause_statuses
                pausing = set(own_pauses) | set(contract.resolved_statuses)
            end = stop if stop is not None else as_of
            cuts = sorted({ticket.created_at, end, *(e.at for e in own if ticket.created_at < e.at < end)})
            elapsed = paused = 0
            for a, b in zip(cuts, cuts[1:]):
                seconds = business_seconds(calendar, a, b)
                if status_at(own, a) in pausing:
                    paused += seconds
                else:
                    elapsed += seconds
            target = level.targets[ticket.priority]
            if stop is not None:
                outcome = "met" if elapsed <= target else "breached"
            else:
                outcome = "breached" if elapsed > target else "pending"
            clocks.append({
                "ticket_id": ticket.ticket_id,
                "contract": contract.name,
                "service_level": level.name,
                "metric": level.metric,
                "priority": ticket.priority,
                "period": period,
                "target_seconds": target,
                "elapsed_seconds": elapsed,
                "paused_seconds": paused,
                "outcome": outcome,
                "overrun_seconds": elapsed - target if outcome == "breached" else 0,
                "client": ticket.client,
                **ticket.extra,
            })
    return clocks


OUTCOME_METRICS = ("first_contact_resolution", "not_reopened", "satisfaction")


def ticket_outcome(level: ServiceLevel, ticket: Ticket, first_response: dt.datetime | None,
                   resolved: dt.datetime | None) -> str | None:
    """§9, read ticket by ticket: the outcome of a ticket-outcome level, None where the ticket has no row."""
    if level.priorities is not None and ticket.priority not in level.priorities:
        return None
    reopened = ticket.extra.get("reopened", "").strip()
    never_reopened = reopened == "" or int(reopened) == 0
    if level.metric == "satisfaction":
        rating = ticket.extra.get("csat", "").strip()
        if resolved is None or rating == "":
            return None  # no row until resolved and rated
        return "met" if Fraction(rating) >= level.satisfied_at_least else "breached"
    if resolved is None:
        return "pending"
    if level.metric == "not_reopened":
        return "met" if never_reopened else "breached"
    # first_contact_resolution: the resolution was the first answer (a response at or after it does not count)
    answered_first = first_response is not None and first_response < resolved
    return "met" if not answered_first and never_reopened else "breached"


# ----------------------------------------------------------------------------------------- compliance

def compliance(policy: Policy, clocks: list[dict], by: list[str]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for clock in clocks:
        key = (clock["period"], clock["contract"], clock["service_level"], *(clock[c] for c in by))
        groups.setdefault(key, []).append(clock)
    rows = []
    for key, members in groups.items():
        contract = in_force(policy.contracts[key[1]], key[0])
        level = contract.service_levels[key[2]]
        met = sum(c["outcome"] == "met" for c in members)
        breached = sum(c["outcome"] == "breached" for c in members)
        pending = sum(c["outcome"] == "pending" for c in members)
        assessed = met + breached
        ratio = Fraction(met, assessed) if assessed else None
        if assessed == 0 or assessed < contract.min_tickets:
            status = "insufficient"
        else:
            status = "meets" if ratio >= level.objective else "misses"
        rows.append({
            "period": key[0], "contract": key[1], "service_level": key[2],
            **dict(zip(by, key[3:])),
            "met": met, "breached": breached, "pending": pending, "assessed": assessed,
            "compliance": ratio, "objective": level.objective, "status": status,
            "provisional": pending > 0,
        })
    return rows


# -------------------------------------------------------------------------------------------- credits

def credits(policy: Policy, compliance_rows: list[dict]) -> list[dict]:
    """From the compliance rows without breakdown columns (§5, §8)."""
    rows = []
    totals: dict[tuple[str, str], list[dict]] = {}
    for row in compliance_rows:
        contract = in_force(policy.contracts[row["contract"]], row["period"])
        level = contract.service_levels[row["service_level"]]
        if not (level.credits or level.per_breach is not None or level.bonus):
            continue
        insufficient = row["status"] == "insufficient"
        rate = Fraction(0) if insufficient else max(
            (credit for below, credit in level.credits if below > row["compliance"]), default=Fraction(0))
        bonus = Fraction(0) if insufficient else max(
            (b for at_least, b in level.bonus if row["compliance"] >= at_least), default=Fraction(0))
        fee = contract.monthly_fee or Fraction(0)
        owed = rate * fee + (Fraction(0) if insufficient or level.per_breach is None
                             else level.per_breach * row["breached"])
        out = {
            "period": row["period"], "contract": row["contract"], "service_level": row["service_level"],
            "assessed": row["assessed"], "compliance": row["compliance"], "objective": row["objective"],
            "credit_rate": rate, "credit_amount": cents(owed), "bonus_rate": bonus, "bonus_amount": cents(bonus * fee),
            "currency": contract.currency, "claim_by": None, "provisional": row["provisional"],
            "_owed": owed, "_earned": bonus * fee,
        }
        rows.append(out)
        totals.setdefault((row["period"], row["contract"]), []).append(out)
    for (period, name), members in totals.items():
        contract = in_force(policy.contracts[name], period)
        fee = contract.monthly_fee or Fraction(0)
        credit = min(sum(m["_owed"] for m in members), contract.credit_cap * fee)
        bonus = min(sum(m["_earned"] for m in members), contract.bonus_cap * fee)
        claim = None
        if contract.claim_within_days is not None:
            year, month = int(period[:4]), int(period[5:7])
            first_after = dt.date(year + month // 12, month % 12 + 1, 1)
            claim = (first_after - dt.timedelta(days=1) + dt.timedelta(days=contract.claim_within_days)).isoformat()
        rows.append({
            "period": period, "contract": name, "service_level": "TOTAL",
            "assessed": None, "compliance": None, "objective": None,
            "credit_rate": credit / fee if fee else Fraction(0), "credit_amount": cents(credit),
            "bonus_rate": bonus / fee if fee else Fraction(0), "bonus_amount": cents(bonus),
            "currency": contract.currency, "claim_by": claim,
            "provisional": any(m["provisional"] for m in members),
        })
    return rows


# ------------------------------------------------------------------------------ quarters and years (§10)

def longer_period(month: str, grain: str) -> str:
    """'2026-08' -> '2026-Q3' (quarter) or '2026' (year)."""
    if grain == "year":
        return month[:4]
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def pooled_compliance(policy: Policy, monthly: list[dict], grain: str, by: list[str]) -> list[dict]:
    """Sums of the monthly rows' counts per longer period (never their shares), judged afresh."""
    groups: dict[tuple, dict] = {}
    last_month: dict[tuple, str] = {}  # per longer period, contract and level (not per by-group)
    for row in monthly:
        key = (longer_period(row["period"], grain), row["contract"], row["service_level"], *(row[c] for c in by))
        total = groups.setdefault(key, {"met": 0, "breached": 0, "pending": 0})
        for count in total:
            total[count] += row[count]
        last_month[key[:3]] = max(last_month.get(key[:3], ""), row["period"])
    rows = []
    for key, counts in groups.items():
        # §10: the terms in force in the last month of the period that has rows for the level
        contract = in_force(policy.contracts[key[1]], last_month[key[:3]])
        level = contract.service_levels[key[2]]
        assessed = counts["met"] + counts["breached"]
        ratio = Fraction(counts["met"], assessed) if assessed else None
        if assessed == 0 or assessed < contract.min_tickets:
            status = "insufficient"
        else:
            status = "meets" if ratio >= level.objective else "misses"
        rows.append({"period": key[0], "contract": key[1], "service_level": key[2], **dict(zip(by, key[3:])),
                     **counts, "assessed": assessed, "compliance": ratio, "objective": level.objective,
                     "status": status, "provisional": counts["pending"] > 0})
    return rows


def summed_credits(monthly: list[dict], grain: str) -> list[dict]:
    """Sums of the monthly credit rows' rounded amounts per longer period; no shares on these rows."""
    groups: dict[tuple, list[dict]] = {}
    for row in monthly:
        groups.setdefault((longer_period(row["period"], grain), row["contract"], row["service_level"]), []).append(row)
    rows = []
    for (period, contract, level), members in groups.items():
        def summed(column: str) -> Decimal | None:
            amounts = [m[column] for m in members if m[column] is not None]
            return sum(amounts, Decimal(0)) if amounts else None
        assessed = [m["assessed"] for m in members if m["assessed"] is not None]
        rows.append({"period": period, "contract": contract, "service_level": level,
                     "assessed": sum(assessed) if assessed else None, "compliance": None, "objective": None,
                     "credit_rate": None, "credit_amount": summed("credit_amount"), "bonus_rate": None,
                     "bonus_amount": summed("bonus_amount"), "currency": members[0]["currency"], "claim_by": None,
                     "provisional": any(m["provisional"] for m in members)})
    return rows


def cents(amount: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(amount.numerator) / Decimal(amount.denominator)
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------- writing

def format_share(value: Fraction) -> str:
    """Exact where it terminates within 6 places (0.95, 1), else rounded half up to 6 places."""
    scaled = value * 10**6
    if scaled.denominator == 1:
        return format(Decimal(scaled.numerator).scaleb(-6).normalize(), "f")
    rounded = (scaled + Fraction(1, 2)).__floor__()
    return format(Decimal(rounded).scaleb(-6), "f")


def format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return format_share(value)
    if isinstance(value, Decimal):
        return format(value, ".2f")
    return str(value)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Rows sorted for a readable diff (the engine promises no order)."""
    lines = sorted([format_cell(row[c]) for c in columns] for row in rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(lines)


# ---------------------------------------------------------------------------------------------- cases

def load_case(case_dir: Path) -> dict:
    case = yaml.safe_load((case_dir / "case.yaml").read_text())
    as_of = case["as_of"]
    as_of = as_of.isoformat() if isinstance(as_of, dt.datetime) else str(as_of)
    by = case.get("by") or ""
    return {
        "as_of": as_of,
        "timezone": case.get("timezone"),
        "by": [c.strip() for c in str(by).split(",") if c.strip()],
        "periods": list(case.get("periods") or []),
        "description": case.get("description", ""),
    }


def expected_tables(case_dir: Path) -> dict[str, tuple[list[str], list[dict]]]:
    """The three expected outputs of a golden case, computed by this reference."""
    case = load_case(case_dir)
    timezone = case["timezone"] or "UTC"
    policy = load_policy(case_dir / "policy.yaml")
    tickets = read_tickets(case_dir / "tickets.csv", timezone)
    events = read_events(case_dir / "events.csv", timezone)
    as_of = parse_timestamp(case["as_of"])
    clocks = evaluate(policy, tickets, events, as_of)
    by_rows = compliance(policy, clocks, case["by"])
    plain_rows = compliance(policy, clocks, [])
    monthly_credits = credits(policy, plain_rows)
    tables = {
        "expected_evaluate.csv": (EVALUATE_COLUMNS, clocks),
        "expected_compliance.csv": (compliance_columns(case["by"]), by_rows),
        "expected_credits.csv": (CREDITS_COLUMNS, monthly_credits),
    }
    for grain in case["periods"]:  # --period quarter / year
        tables[f"expected_compliance_{grain}.csv"] = (compliance_columns(case["by"]),
                                                      pooled_compliance(policy, by_rows, grain, case["by"]))
        tables[f"expected_credits_{grain}.csv"] = (CREDITS_COLUMNS, summed_credits(monthly_credits, grain))
    return tables
