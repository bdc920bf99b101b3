"""A seeded, realistic helpdesk history for the demo, the tests and the benchmark.

``generate_history`` makes tickets and status events in the canonical form of SLA_SPEC §1; every
step is a whole-column numpy operation (no loop over tickets), so the benchmark can ask for 10M.
``build_demo`` loads the default history into a fresh database; ``config/policy.yaml`` is made for it.

How the desk behaves: tickets arrive in each client's local business hours (weekday peaks, a few at
night and at weekends, volume growing over time, a dip around Christmas). Agents work on a business-time
axis of the client's office hours (P1 tickets round the clock): reply and work times are lognormal
and scaled by priority, category and channel; waiting for the customer or a third party (a pause)
and reopening push the resolution out in wall time without adding work. A staffing gap at Hudson, a
summer backlog at Wattle and a thin August in Berlin make some months clearly worse (GAPS). The
history ends at the export moment (``start`` plus ``months``, midnight UTC): what had not happened by
then is not in it, so the newest month has open tickets.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import holidays
import numpy as np
import polars as pl

if TYPE_CHECKING:
    from slametrics.ingest import IngestSummary

DAY = 86_400
HOUR = 3_600
STATUSES = ("open", "in_progress", "pending_customer", "on_hold", "resolved", "reopened")


@dataclass(frozen=True)
class Desk:
    """Where and when a client's tickets are worked: local office hours and holidays."""

    timezone: str
    hours: dict[int, tuple[tuple[float, float], ...]]  # weekday (0 = Monday) -> local hours
    country: str
    subdivision: str | None = None
    closed_days: tuple[str, ...] = ()  # "MM-DD" closed every year on top of public holidays


@dataclass(frozen=True)
class Client:
    name: str
    desk: str
    share: float  # of all tickets
    speed: float  # multiplies every reply and work time


def _weekdays(days: range, *intervals: tuple[float, float]) -> dict[int, tuple[tuple[float, float], ...]]:
    return {day: tuple(intervals) for day in days}


DESKS = {
    "berlin": Desk("Europe/Berlin", _weekdays(range(5), (8, 18)), "DE", "BE", ("12-24", "12-31")),
    "new-york": Desk("America/New_York", _weekdays(range(5), (7, 19)) | {5: ((9, 13),)}, "US"),
    "sydney": Desk("Australia/Sydney", _weekdays(range(5), (8, 12), (13, 17)), "AU", "NSW"),
    "london": Desk("Europe/London", _weekdays(range(5), (9, 17.5)), "GB"),
}
CLIENTS = (
    Client("Acme GmbH", "berlin", 0.30, 1.00),
    Client("Acme Logistics GmbH", "berlin", 0.12, 1.00),
    Client("Hudson Financial", "new-york", 0.27, 0.85),
    Client("Wattle Energy", "sydney", 0.23, 0.95),
    Client("Borealis Labs", "london", 0.08, 1.20),  # no contract covers it
)
# Bad months, by client and month index from `start`: (reply factor, work factor).
GAPS = {
    "Hudson Financial": {7: (3.3, 1.3), 8: (2.3, 1.2)},  # two agents left, the backfill took weeks
    "Wattle Energy": {15: (1.2, 2.4), 16: (1.1, 1.8)},  # summer leave, the backlog grew
    "Acme GmbH": {21: (1.9, 1.1)},  # August: holidays and a sick leave on the Berlin desk
    "Acme Logistics GmbH": {21: (1.9, 1.1)},
}

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")  # P5: a legacy priority no service level targets
PRIORITY_MIX = (0.025, 0.13, 0.50, 0.34, 0.005)
REPLY_MEDIAN = np.array([8 * 60, 15 * 60, 50 * 60, 100 * 60, 120 * 60])  # business seconds
WORK_MEDIAN = np.array([2.5 * HOUR, 4 * HOUR, 9 * HOUR, 16 * HOUR, 16 * HOUR])

CATEGORIES = (  # name, share, team, how hard (multiplies work)
    ("Access & Accounts", 0.22, "Service Desk", 0.6),
    ("Email & Collaboration", 0.14, "Service Desk", 0.8),
    ("Hardware", 0.14, "Workplace", 1.3),
    ("Software & Licences", 0.16, "Workplace", 1.0),
    ("Network & VPN", 0.10, "Infrastructure", 1.2),
    ("Servers & Storage", 0.06, "Infrastructure", 1.5),
    ("Business Applications", 0.13, "Applications", 1.4),
    ("Security", 0.05, "Infrastructure", 1.1),
)
TEAMS = {
    "Service Desk": ("Anna Becker", "Tom Walsh", "Priya Nair", "Lukas Wagner", "Emily Chen",
                     "Jonas Richter", "Grace Okafor", "Mateo Alvarez"),
    "Workplace": ("Sophie Martin", "Daniel Kim", "Lena Hoffmann", "Oliver Brown", "Aisha Rahman"),
    "Infrastructure": ("Marco Rossi", "Hannah Schulz", "Jack Taylor", "Mei Tanaka", "Felix Braun"),
    "Applications": ("Sara Lindqvist", "Noah Wilson", "Clara Weber", "Ravi Patel"),
}
CHANNELS = ("email", "phone", "portal", "chat")
CHANNEL_MIX_P1 = (0.15, 0.55, 0.10, 0.20)
CHANNEL_MIX = (0.45, 0.12, 0.30, 0.13)
CHANNEL_REPLY = np.array([1.15, 0.5, 1.0, 0.6])
TRAIT_LABELS = {  # the text of each code column
    "priority": PRIORITIES, "category": tuple(c[0] for c in CATEGORIES), "team": tuple(TEAMS),
    "agent": tuple(a for team in TEAMS.values() for a in team), "channel": CHANNELS,
}

# Share of each local hour in the day's arrivals.
HOURS_WEEKDAY = np.array([1, 1, 1, 1, 1, 2, 4, 12, 40, 70, 80, 72, 50, 60, 70, 65, 50, 30, 15, 10, 7, 5, 3, 2.0])
HOURS_WEEKEND = np.array([3, 2, 2, 2, 2, 3, 5, 8, 12, 15, 16, 16, 15, 15, 14, 13, 12, 11, 10, 9, 8, 6, 5, 4.0])
DAY_OF_WEEK = np.array([1.2, 1.1, 1.0, 1.0, 0.85, 0.12, 0.08])


class WorkAxis:
    """Business time of one desk as a line: instant (epoch seconds) <-> business seconds so far.

    Made from sorted, disjoint working intervals; an axis without intervals counts every second.
    """

    def __init__(self, starts: np.ndarray | None = None, ends: np.ndarray | None = None):
        if starts is None:
            starts, ends = np.array([0], np.int64), np.array([np.iinfo(np.int64).max // 4], np.int64)
        self.starts, self.ends = starts, ends
        self.cum = np.concatenate([[0], np.cumsum(ends - starts)[:-1]]).astype(np.int64)

    def position(self, t: np.ndarray) -> np.ndarray:
        """Business seconds before instant ``t`` (a moment off hours sits at the next opening)."""
        k = np.minimum(np.searchsorted(self.ends, t, side="right"), len(self.ends) - 1)
        return self.cum[k] + np.clip(t - self.starts[k], 0, self.ends[k] - self.starts[k])

    def instant(self, b: np.ndarray) -> np.ndarray:
        """The instant at business position ``b`` (a closing time maps to the next opening)."""
        k = np.maximum(np.searchsorted(self.cum, b, side="right") - 1, 0)
        return self.starts[k] + (b - self.cum[k])


def _local_to_utc(local: np.ndarray, timezone: str) -> np.ndarray:
    """Epoch seconds of local wall times; the earlier of a doubled hour, a skipped hour moved on by one."""

    def convert(seconds: np.ndarray) -> pl.Series:
        naive = pl.from_epoch(pl.Series(seconds, dtype=pl.Int64), time_unit="s")
        return naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null").dt.epoch("s")

    utc = convert(local)
    if utc.null_count():
        utc = utc.fill_null(convert(local + HOUR))
    return utc.to_numpy().astype(np.int64)


def _closed(desk: Desk, days: np.ndarray) -> np.ndarray:
    """Which local dates (days since 1970-01-01) are holidays at the desk."""
    dates = days.astype("datetime64[D]")
    years = range(int(str(dates.min())[:4]), int(str(dates.max())[:4]) + 1)
    public = holidays.country_holidays(desk.country, subdiv=desk.subdivision, years=years)
    closed = [np.datetime64(d, "D") for d in public] + [
        np.datetime64(f"{y}-{md}") for y in years for md in desk.closed_days]
    return np.isin(dates, np.array(closed, dtype="datetime64[D]"))


def work_axis(desk: Desk, first_day: int, last_day: int) -> WorkAxis:
    """The desk's working intervals from ``first_day`` to ``last_day`` (days since 1970-01-01)."""
    days = np.arange(first_day, last_day + 1)
    open_days = days[~_closed(desk, days)]
    weekday = (open_days + 3) % 7
    starts, ends = [], []
    for day, intervals in desk.hours.items():  # a handful of shifts, not tickets
        on = open_days[weekday == day] * DAY
        for begin, end in intervals:
            starts.append(on + int(begin * HOUR))
            ends.append(on + int(end * HOUR))
    order = np.argsort(np.concatenate(starts), kind="stable")
    utc_starts = _local_to_utc(np.concatenate(starts)[order], desk.timezone)
    utc_ends = _local_to_utc(np.concatenate(ends)[order], desk.timezone)
    return WorkAxis(utc_starts, utc_ends)


def _arrivals(rng: np.random.Generator, n: int, days: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Local wall times (epoch seconds) of ``n`` new tickets over ``days``."""
    t = (days - days[0]) / max(len(days) - 1, 1)
    dates = days.astype("datetime64[D]")
    month_day = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    christmas = ((month == 12) & (month_day >= 20)) | ((month == 1) & (month_day <= 3))
    weekday = (days + 3) % 7
    weight = (1 + 0.35 * t) * DAY_OF_WEEK[weekday] * np.where(christmas, 0.45, 1.0) * np.where(closed, 0.15, 1.0)
    pick = rng.choice(len(days), size=n, p=weight / weight.sum())
    quiet = closed[pick] | (weekday[pick] >= 5)
    hour = np.where(quiet, rng.choice(24, size=n, p=HOURS_WEEKEND / HOURS_WEEKEND.sum()),
                    rng.choice(24, size=n, p=HOURS_WEEKDAY / HOURS_WEEKDAY.sum()))
    return days[pick] * DAY + hour * HOUR + rng.integers(0, HOUR, size=n)


def _quantile(mix: tuple[float, ...], u: np.ndarray) -> np.ndarray:
    """The category a uniform draw ``u`` falls in, for the shares ``mix``."""
    cdf = np.cumsum(mix) / np.sum(mix)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(mix) - 1).astype(np.int8)


def _labels(name: str, labels: list[str] | tuple[str, ...], codes: np.ndarray) -> pl.Series:
    """A text column from small integer codes: a gather, not a Python string per row."""
    return pl.Series(name, list(labels), dtype=pl.String).gather(codes)


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, size: int | None = None
               ) -> np.ndarray:
    return np.exp(rng.normal(np.log(median), sigma, size))


def _timestamp(name: str) -> pl.Expr:
    seconds = pl.when(pl.col(name) >= 0).then(pl.col(name))
    return pl.from_epoch(seconds, time_unit="s").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias(name)


def generate_history(
    n_tickets: int = 40_000, start: str = "2024-11-01", months: int = 24, seed: int = 7
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Tickets and status events of a helpdesk over ``months`` from the month of ``start``, canonical
    form (SLA_SPEC §1), about 1.5 events per ticket.

    Same arguments, same frames. Tickets are numbered in order of creation (``T-000001``, ...); the
    history ends at midnight UTC after its last month, and holds nothing that happened later.
    """
    rng = np.random.default_rng(seed)
    first = np.datetime64(start, "M")
    first_day = int(first.astype("datetime64[D]").astype(int))
    end_day = int((first + months).astype("datetime64[D]").astype(int))
    client, created, month = _arrivals_by_client(rng, n_tickets, first_day, end_day, months)
    traits = _traits(rng, n_tickets)
    at, who = _timeline(rng, client, created, month, traits, first_day, end_day, months)
    export = end_day * DAY
    happened = {k: v <= export for k, v in at.items()}
    done = happened["final"] & ~who["abandoned"]
    reopened = (who["reopens"] & happened["reopened"] & ~who["abandoned"]).astype(np.int64)

    # CSAT on some resolved tickets, worse when slow or reopened.
    slowness = np.log(np.maximum(who["busy"], 60) / (REPLY_MEDIAN + WORK_MEDIAN)[traits["priority"]])
    score = np.rint(4.4 - 0.45 * slowness - 0.9 * who["reopens"] + rng.normal(0, 0.8, n_tickets)).clip(1, 5)
    csat = np.where(done & (rng.random(n_tickets) < 0.3), score, np.nan)

    # A full trail of status events for paused and reopened tickets and some others (~1.5 per ticket).
    pauses, silent = who["pauses"], who["silent"]
    trail = (pauses > 0) | who["reopens"] | (rng.random(n_tickets) < 0.24)
    hold = np.where(rng.random(n_tickets) < 0.75, 2, 3).astype(np.int8)  # pending_customer or on_hold
    still_open = ~who["abandoned"]
    kinds = [  # (status, instant, which tickets have this event)
        (0, created, trail), (1, at["first_response"], trail & ~silent),
        (hold, at["pause1"], trail & (pauses >= 1)), (1, at["resume1"], trail & (pauses >= 1)),
        (hold, at["pause2"], trail & (pauses >= 2)), (1, at["resume2"], trail & (pauses >= 2)),
        (4, at["solved"], trail & still_open), (5, at["reopened"], who["reopens"] & still_open),
        (4, at["final"], who["reopens"] & still_open),
    ]
    parts = []
    for seq, (status, when, has) in enumerate(kinds):  # nine kinds of event, each a whole column
        rows = np.flatnonzero(has & (when <= export))
        parts.append((rows, when[rows], np.broadcast_to(np.int8(status), n_tickets)[rows],
                      np.full(len(rows), seq, np.int8)))
    ev_ticket, ev_at, ev_status, ev_seq = (np.concatenate(x) for x in zip(*parts))

    # Number the tickets in order of creation and write the frames.
    order = np.argsort(created, kind="stable")
    rank = np.empty(n_tickets, np.int64)
    rank[order] = np.arange(n_tickets)
    width = max(6, len(str(n_tickets)))

    def ticket_id(index: np.ndarray) -> pl.Series:
        return ("T-" + pl.Series(index + 1).cast(pl.String).str.zfill(width)).alias("ticket_id")

    tickets = pl.DataFrame({
        "created_at": created[order],
        "first_response_at": np.where(happened["first_response"] & ~silent, at["first_response"], -1)[order],
        "resolved_at": np.where(done, at["final"], -1)[order],
    }).select(
        ticket_id(np.arange(n_tickets)),
        _labels("client", [c.name for c in CLIENTS], client[order]),
        _labels("priority", PRIORITIES, traits["priority"][order]),
        _timestamp("created_at"), _timestamp("first_response_at"), _timestamp("resolved_at"),
        *(_labels(k, labels, traits[k][order]) for k, labels in TRAIT_LABELS.items() if k != "priority"),
        pl.Series("csat", csat[order]).fill_nan(None),
        pl.Series("reopened", reopened[order]),
    )
    ev_order = np.lexsort((ev_seq, rank[ev_ticket]))
    events = pl.DataFrame({"at": ev_at[ev_order]}).select(
        ticket_id(rank[ev_ticket[ev_order]]), _timestamp("at"), _labels("status", STATUSES, ev_status[ev_order]))
    return tickets, events


def _arrivals_by_client(rng: np.random.Generator, n: int, first_day: int, end_day: int, months: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(client, created_at in epoch seconds, month index of the local creation date) per ticket."""
    days = np.arange(first_day, end_day)
    counts = rng.multinomial(n, np.array([c.share for c in CLIENTS]) / sum(c.share for c in CLIENTS))
    client = np.repeat(np.arange(len(CLIENTS), dtype=np.int8), counts)
    local, created = np.empty(n, np.int64), np.empty(n, np.int64)
    for i, c in enumerate(CLIENTS):  # a handful of clients, each a whole column
        rows = client == i
        desk = DESKS[c.desk]
        local[rows] = _arrivals(rng, int(counts[i]), days, _closed(desk, days))
        created[rows] = _local_to_utc(local[rows], desk.timezone)
    # A local evening west of UTC may fall after the export: it happened a week earlier instead.
    created = np.where(created >= end_day * DAY, created - 7 * DAY, created)
    first_month = np.datetime64(first_day, "D").astype("datetime64[M]").astype(np.int64)
    month = (local // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - first_month
    month = np.clip(month, 0, months - 1).astype(np.int16)
    return client, created, month


def _traits(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Priority, channel, category, team and agent codes per ticket (indexes into TRAIT_LABELS)."""
    priority = rng.choice(len(PRIORITIES), size=n, p=PRIORITY_MIX).astype(np.int8)
    u = rng.random(n)
    channel = np.where(priority == 0, _quantile(CHANNEL_MIX_P1, u), _quantile(CHANNEL_MIX, u))
    category = _quantile(tuple(c[1] for c in CATEGORIES), rng.random(n))
    home_team = np.array([list(TEAMS).index(c[2]) for c in CATEGORIES], np.int8)[category]
    team = np.where(rng.random(n) < 0.85, home_team, np.int8(0))  # the rest the service desk solves itself
    sizes = np.array([len(a) for a in TEAMS.values()])
    agent = (np.concatenate([[0], np.cumsum(sizes)[:-1]])[team] + rng.integers(0, sizes[team])).astype(np.int16)
    return {"priority": priority, "category": category, "team": team, "agent": agent, "channel": channel}


def _timeline(rng: np.random.Generator, client: np.ndarray, created: np.ndarray, month: np.ndarray,
              traits: dict[str, np.ndarray], first_day: int, end_day: int, months: int
              ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(instants of each milestone, what happened to each ticket), before cutting at the export."""
    n, priority = len(client), traits["priority"]
    p1 = priority == 0
    mood = np.exp(rng.normal(0, 0.12, size=(len(CLIENTS), months)))  # month-to-month noise
    reply_gap, work_gap = np.ones((len(CLIENTS), months)), np.ones((len(CLIENTS), months))
    for i, c in enumerate(CLIENTS):
        for m, (r, w) in GAPS.get(c.name, {}).items():
            if m < months:
                reply_gap[i, m], work_gap[i, m] = r, w
    speed = np.array([c.speed for c in CLIENTS])[client] * mood[client, month]
    difficulty = np.array([c[3] for c in CATEGORIES])[traits["category"]]
    reply = _lognormal(rng, REPLY_MEDIAN[priority], 0.85) * speed * reply_gap[client, month]
    reply = np.clip(reply * CHANNEL_REPLY[traits["channel"]], 60, 60 * HOUR).astype(np.int64)
    work = _lognormal(rng, WORK_MEDIAN[priority] * difficulty, 1.0) * speed * work_gap[client, month]
    work = np.clip(work, 300, 400 * HOUR).astype(np.int64)

    # solved straight away, the resolution being the first reply: often for a password or a mailbox, rarely else
    silent = ~p1 & (rng.random(n) < np.where(difficulty < 0.7, 0.55, np.where(difficulty < 0.9, 0.3, 0.05)))
    pauses = np.where(silent, 0, (rng.random(n) < np.where(p1, 0.05, 0.17)) + (rng.random(n) < 0.05))
    wait1 = np.where(pauses >= 1, np.clip(_lognormal(rng, 6.0 * HOUR, 1.1, n), 60, 150 * HOUR), 0).astype(np.int64)
    wait2 = np.where(pauses >= 2, np.clip(_lognormal(rng, 4.0 * HOUR, 1.1, n), 60, 150 * HOUR), 0).astype(np.int64)
    at1 = (work * rng.uniform(0.1, 0.6, n)).astype(np.int64)
    at2 = at1 + ((work - at1) * rng.uniform(0.2, 0.9, n)).astype(np.int64)
    reopens = ~silent & (rng.random(n) < 0.055)
    reopen_wait = _lognormal(rng, 5.0 * HOUR, 1.0, n).astype(np.int64)
    rework = (_lognormal(rng, WORK_MEDIAN[priority] * 0.3, 0.8) * speed).astype(np.int64) + 60
    abandoned = (rng.random(n) < 0.004) & (month < months - 3)  # fell through the cracks

    # Milestones on each ticket's business-time axis (P1: round the clock), then back to instants.
    desk_names = list(DESKS)
    axes = [work_axis(DESKS[d], first_day - 7, end_day + 800) for d in desk_names] + [WorkAxis()]
    axis = np.where(p1, len(desk_names), np.array([desk_names.index(c.desk) for c in CLIENTS])[client])
    members = [np.flatnonzero(axis == a) for a in range(len(axes))]
    answered = np.empty(n, np.int64)
    for ax, rows in zip(axes, members):
        answered[rows] = ax.position(created[rows])
    answered += reply
    solved = answered + work + wait1 + wait2
    positions = {
        "first_response": lambda: answered,
        "pause1": lambda: answered + at1, "resume1": lambda: answered + at1 + wait1,
        "pause2": lambda: answered + at2 + wait1, "resume2": lambda: answered + at2 + wait1 + wait2,
        "solved": lambda: np.where(silent, answered, solved),
        "reopened": lambda: np.where(reopens, solved + reopen_wait, answered),
        "final": lambda: np.where(silent, answered, np.where(reopens, solved + reopen_wait + rework, solved)),
    }
    at = {}
    for name, position in positions.items():  # one at a time: at 10M tickets memory matters
        b, at[name] = position(), np.empty(n, np.int64)
        for ax, rows in zip(axes, members):
            at[name][rows] = ax.instant(b[rows])
    busy = reply + np.where(silent, 0, work + np.where(reopens, rework, 0))
    return at, {"silent": silent, "pauses": pauses, "reopens": reopens, "abandoned": abandoned, "busy": busy}


def build_demo(
    db_path: str | os.PathLike = "data/sla.duckdb",
    policy_path: str | os.PathLike = "config/policy.yaml",
    progress: Callable[[str, float], None] | None = None,
) -> IngestSummary:
    """Generate the default history and load it into a new database at ``db_path``.

    The database is built next to its destination and renamed into place at the end, so a failed
    build leaves the previous database (or none), never half of one. ``progress(phase, fraction)``
    hears the phases with the fraction of the whole build done, ending with ``("done", 1.0)``.
    """
    from slametrics.db import writing
    from slametrics.ingest import ingest_frames
    from slametrics.policy import load_policy

    report = progress or (lambda phase, fraction: None)

    def ingesting(phase: str, fraction: float) -> None:
        if phase != "done":  # done is when the database is in place
            report(phase, 0.25 + 0.7 * fraction)

    policy = load_policy(policy_path)
    report("generating history", 0.0)
    tickets, events = generate_history()
    with writing(db_path, replace=True) as con:  # a new file, swapped in whole over any database there
        summary = ingest_frames(con, tickets, events, source="demo", policy=policy, progress=ingesting)
    report("done", 1.0)
    return summary
