"""A seeded, realistic helpdesk history for the demo, the tests and the benchmark.

``generate_history`` makes tickets and status events in the canonical form of SLA_SPEC §1; every
step is a whole-column numpy operation, so 10M tickets cost what 40k do, only more of it.
``build_demo`` loads the default history into a fresh database next to ``config/policy.yaml``.

How the desk behaves: tickets arrive in each client's local business hours (weekday peaks, a few at
night and at weekends, volume growing over time, a dip around Christmas). Agents work on a business-time
axis of the client's office hours (P1 tickets round the clock): reply and work times are lognormal
and scaled by priority, category and channel; waiting for the customer or a third party (a pause)
and reopening push the resolution out in wall time without adding work. A staffing gap at Hudson and
a summer backlog at Wattle make some months clearly worse. The history ends at the export moment
(``start`` plus ``months``, midnight UTC): what had not happened by then is not in it.
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
    "Hudson Financial": {7: (2.6, 1.3), 8: (2.1, 1.2)},  # two agents left, the backfill took weeks
    "Wattle Energy": {15: (1.2, 2.0), 16: (1.1, 1.6)},  # summer leave, the backlog grew
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


def _pick(rng: np.random.Generator, mixes: np.ndarray) -> np.ndarray:
    """One draw per row of ``mixes`` (each row a probability vector)."""
    cdf = np.cumsum(mixes, axis=1)
    return np.minimum((rng.random(len(mixes))[:, None] > cdf).sum(axis=1), mixes.shape[1] - 1)


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(rng.normal(np.log(median), sigma))


def _timestamp(name: str) -> pl.Expr:
    seconds = pl.when(pl.col(name) >= 0).then(pl.col(name))
    return pl.from_epoch(seconds, time_unit="s").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias(name)


def generate_history(
    n_tickets: int = 40_000, start: str = "2024-11-01", months: int = 24, seed: int = 7
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Tickets and status events of a helpdesk over ``months`` from ``start``, canonical form (SLA_SPEC §1).

    Same arguments, same frames. Tickets are numbered in order of creation (``T-000001``, ...).
    """
    rng = np.random.default_rng(seed)
    first = np.datetime64(start, "M")
    first_day = int(first.astype("datetime64[D]").astype(int))
    end_day = int((first + months).astype("datetime64[D]").astype(int))
    export = end_day * DAY  # the moment the history was taken: nothing later is in it
    days = np.arange(first_day, end_day)

    # Arrivals, client by client in the client's local time.
    counts = rng.multinomial(n_tickets, np.array([c.share for c in CLIENTS]) / sum(c.share for c in CLIENTS))
    client = np.repeat(np.arange(len(CLIENTS)), counts)
    local = np.empty(n_tickets, np.int64)
    created = np.empty(n_tickets, np.int64)
    desk_names = list(DESKS)
    desk_of_client = np.array([desk_names.index(c.desk) for c in CLIENTS])
    for i, c in enumerate(CLIENTS):
        rows = client == i
        desk = DESKS[c.desk]
        local[rows] = _arrivals(rng, int(counts[i]), days, _closed(desk, days))
        created[rows] = _local_to_utc(local[rows], desk.timezone)
    created = np.where(created >= export, created - 7 * DAY, created)  # a west-of-UTC evening after the export
    month = (local // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(int) - first.astype(int)
    month = np.clip(month, 0, months - 1)

    # What the ticket is.
    n = n_tickets
    priority = rng.choice(len(PRIORITIES), size=n, p=PRIORITY_MIX)
    p1 = priority == 0
    channel = _pick(rng, np.where(p1[:, None], CHANNEL_MIX_P1, CHANNEL_MIX))
    shares = np.array([c[1] for c in CATEGORIES])
    category = rng.choice(len(CATEGORIES), size=n, p=shares / shares.sum())
    team_names = list(TEAMS)
    home_team = np.array([team_names.index(c[2]) for c in CATEGORIES])[category]
    team = np.where(rng.random(n) < 0.85, home_team, 0)  # the rest the service desk solves itself
    sizes = np.array([len(a) for a in TEAMS.values()])
    agent = np.concatenate([[0], np.cumsum(sizes)[:-1]])[team] + rng.integers(0, sizes[team])

    # How fast the desk was: month-to-month noise, staffing gaps, client, priority, channel, category.
    mood = np.exp(rng.normal(0, 0.12, size=(len(CLIENTS), months)))
    reply_gap, work_gap = np.ones((len(CLIENTS), months)), np.ones((len(CLIENTS), months))
    for i, c in enumerate(CLIENTS):
        for m, (r, w) in GAPS.get(c.name, {}).items():
            if m < months:
                reply_gap[i, m], work_gap[i, m] = r, w
    speed = np.array([c.speed for c in CLIENTS])[client] * mood[client, month]
    difficulty = np.array([c[3] for c in CATEGORIES])[category]
    reply = _lognormal(rng, REPLY_MEDIAN[priority], 0.85) * speed * reply_gap[client, month] * CHANNEL_REPLY[channel]
    work = _lognormal(rng, WORK_MEDIAN[priority] * difficulty, 1.0) * speed * work_gap[client, month]
    reply = np.clip(reply, 60, 60 * HOUR).astype(np.int64)
    work = np.clip(work, 300, 400 * HOUR).astype(np.int64)

    silent = ~p1 & (rng.random(n) < 0.03)  # solved straight away: the resolution is the reply
    pauses = np.where(silent, 0, (rng.random(n) < np.where(p1, 0.05, 0.17)) + (rng.random(n) < 0.05))
    wait1 = np.where(pauses >= 1, _lognormal(rng, np.full(n, 6.0 * HOUR), 1.1), 0).astype(np.int64)
    wait2 = np.where(pauses >= 2, _lognormal(rng, np.full(n, 4.0 * HOUR), 1.1), 0).astype(np.int64)
    wait1, wait2 = np.minimum(wait1, 150 * HOUR), np.minimum(wait2, 150 * HOUR)
    at1 = (work * rng.uniform(0.1, 0.6, n)).astype(np.int64)
    at2 = at1 + ((work - at1) * rng.uniform(0.2, 0.9, n)).astype(np.int64)
    reopens = ~silent & (rng.random(n) < 0.055)
    reopen_wait = (_lognormal(rng, np.full(n, 5.0 * HOUR), 1.0)).astype(np.int64)
    rework = (_lognormal(rng, WORK_MEDIAN[priority] * 0.3, 0.8) * speed).astype(np.int64) + 60
    abandoned = (rng.random(n) < 0.004) & (month < months - 3)  # fell through the cracks

    # Milestones on each ticket's business-time axis (P1: round the clock), then back to instants.
    axes = [work_axis(DESKS[d], first_day - 7, end_day + 800) for d in desk_names] + [WorkAxis()]
    axis = np.where(p1, len(desk_names), desk_of_client[client])
    base = np.empty(n, np.int64)
    for a, ax in enumerate(axes):
        base[axis == a] = ax.position(created[axis == a])
    answered = base + reply
    solved = answered + work + wait1 + wait2
    final = solved + reopen_wait + rework
    points = {
        "first_response": answered,
        "pause1": answered + at1, "resume1": answered + at1 + wait1,
        "pause2": answered + at2 + wait1, "resume2": answered + at2 + wait1 + wait2,
        "solved": np.where(silent, answered, solved),
        "reopened": np.where(reopens, solved + reopen_wait, 0),
        "final": np.where(silent, answered, np.where(reopens, final, solved)),
    }
    at = {k: np.empty(n, np.int64) for k in points}
    for a, ax in enumerate(axes):
        rows = axis == a
        for k, b in points.items():
            at[k][rows] = ax.instant(b[rows])
    happened = {k: v <= export for k, v in at.items()}
    resolved_at = np.where(happened["final"] & ~abandoned, at["final"], -1)
    first_response_at = np.where(happened["first_response"] & ~silent, at["first_response"], -1)

    # CSAT on some resolved tickets, worse when slow or reopened.
    busy = points["final"] - base - wait1 - wait2 - np.where(reopens, reopen_wait, 0)
    slowness = np.log(np.maximum(busy, 60) / (REPLY_MEDIAN + WORK_MEDIAN)[priority])
    score = np.rint(4.4 - 0.45 * slowness - 0.9 * reopens + rng.normal(0, 0.8, n)).clip(1, 5)
    csat = np.where((resolved_at >= 0) & (rng.random(n) < 0.3), score, np.nan)

    # Status events: a full trail for paused and reopened tickets and some others (~1.5 per ticket).
    trail = (pauses > 0) | reopens | (rng.random(n) < 0.11)
    hold = np.where(rng.random(n) < 0.75, 2, 3)  # pending_customer or on_hold
    kinds = [  # (status, instant, whether the ticket has this event)
        (0, created, trail),
        (1, at["first_response"], trail & ~silent),
        (hold, at["pause1"], trail & (pauses >= 1)), (1, at["resume1"], trail & (pauses >= 1)),
        (hold, at["pause2"], trail & (pauses >= 2)), (1, at["resume2"], trail & (pauses >= 2)),
        (4, at["solved"], trail), (5, at["reopened"], reopens), (4, at["final"], reopens),
    ]
    event_parts = []
    for seq, (status, when, has) in enumerate(kinds):
        if seq >= 6:  # an abandoned ticket was never resolved
            has = has & ~abandoned
        rows = np.flatnonzero(has & (when <= export))
        event_parts.append((rows, when[rows], np.broadcast_to(status, n)[rows], np.full(len(rows), seq)))
    ev_ticket, ev_at, ev_status, ev_seq = (np.concatenate(x) for x in zip(*event_parts))
    reopened = (reopens & happened["reopened"] & ~abandoned).astype(np.int64)

    # Number the tickets in order of creation and write the frames.
    order = np.argsort(created, kind="stable")
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    width = max(6, len(str(n)))

    def ticket_id(index: np.ndarray) -> pl.Expr:
        return pl.lit("T-") + pl.lit(pl.Series(index + 1)).cast(pl.String).str.zfill(width)

    tickets = pl.DataFrame({
        "created_at": created[order], "first_response_at": first_response_at[order],
        "resolved_at": resolved_at[order],
    }).select(
        ticket_id(np.arange(n)).alias("ticket_id"),
        pl.Series("client", np.array([c.name for c in CLIENTS])[client[order]]),
        pl.Series("priority", np.array(PRIORITIES)[priority[order]]),
        _timestamp("created_at"), _timestamp("first_response_at"), _timestamp("resolved_at"),
        pl.Series("category", np.array([c[0] for c in CATEGORIES])[category[order]]),
        pl.Series("team", np.array(team_names)[team[order]]),
        pl.Series("agent", np.array([a for t in TEAMS.values() for a in t])[agent[order]]),
        pl.Series("channel", np.array(CHANNELS)[channel[order]]),
        pl.Series("csat", csat[order]).fill_nan(None),
        pl.Series("reopened", reopened[order]),
    )
    ev_order = np.lexsort((ev_seq, rank[ev_ticket]))
    events = pl.DataFrame({"at": ev_at[ev_order]}).select(
        ticket_id(rank[ev_ticket][ev_order]).alias("ticket_id"),
        _timestamp("at"),
        pl.Series("status", np.array(STATUSES)[ev_status[ev_order]]),
    )
    return tickets, events


def build_demo(
    db_path: str | os.PathLike = "data/sla.duckdb",
    policy_path: str | os.PathLike = "config/policy.yaml",
    progress: Callable[[str, float], None] | None = None,
) -> IngestSummary:
    """Generate the default history and load it into a new database at ``db_path``.

    The database is built next to its destination and renamed into place at the end, so a failed
    build leaves the previous database (or none), never half of one.
    """
    from slametrics.db import connect
    from slametrics.ingest import ingest_frames
    from slametrics.policy import load_policy

    report = progress or (lambda phase, fraction: None)
    policy = load_policy(policy_path)
    target = Path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f"{target.name}.building-{os.getpid()}")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    report("generate", 0.0)
    tickets, events = generate_history()
    report("generate", 1.0)
    try:
        con = connect(str(building))
        try:
            summary = ingest_frames(con, tickets, events, source="demo", policy=policy, progress=progress)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        # The old database's write-ahead log must not be replayed onto the new file.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(building, target)
    finally:
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)
    report("done", 1.0)
    return summary
