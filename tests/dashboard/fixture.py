"""A small database and policy for the dashboard's tests, with figures that can be read off the rows.

Contract ``acme`` (client Acme, round-the-clock UTC calendar, 20 tickets a month Jan-Mar 2026):
- response: P1 30m, P2 2h, objective 0.90, credit 5 % below 0.90. Breached tickets answer after 3h.
  January 1 breach (0.95), February 4 (0.80: misses), March 2 (0.90, meets).
- resolution: P1 8h, P2 24h, objective 0.80, credit 10 % below 0.80. February has 5 tickets resolved
  after 30h (0.75: misses). Tickets 19 and 20 of March were opened on 31 March and are still open as of
  1 April 00:00 (13-14h, within 24h): pending, so March is provisional.
- fee EUR 10,000, cap 12 %: February's tiers add up to 15 %, capped at 12 % = EUR 1,200.00.
- one January ticket waits 10h for the customer (paused) and still meets 24h.
Contract ``globex`` (client Globex, Berlin office hours 09-17, Mon-Fri): 8, 4 and 6 tickets; February
has 4 (below the minimum of 5), 2 of them breached: the minimum volume waives its 3 % credit; March
misses (5 of 6 met): USD 150.00.
Not covered: client Initech, and Acme's priority P9. The last recorded moment is 31 March 11:20 UTC,
so the app evaluates as of 2026-04-01T00:00:00Z.

Users (access.yaml, password ``<name>-password``, bcrypt cost 4): ``pat`` provider, ``ann`` analyst,
``acme`` client of acme with What-if, ``globex`` client of globex without.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

AS_OF = "2026-04-01T00:00:00Z"
POLICY = """\
calendars:
  always:
    timezone: UTC
    hours: always
  office:
    timezone: Europe/Berlin
    hours:
      mon-fri: "09:00-17:00"
contracts:
  acme:
    name: Acme Corp
    clients: [Acme]
    calendar: always
    pause_statuses: [pending_customer]
    monthly_fee: 10000
    currency: EUR
    credit_cap: 0.12
    min_tickets: 5
    service_levels:
      response:
        metric: first_response
        targets: {P1: 30m, P2: 2h}
        objective: 0.90
        credits: [{below: 0.90, credit: 0.05}]
      resolution:
        metric: resolution
        targets: {P1: 8h, P2: 24h}
        objective: 0.80
        credits: [{below: 0.80, credit: 0.10}]
  globex:
    name: Globex Inc
    clients: [Globex]
    calendar: office
    monthly_fee: 5000
    currency: USD
    min_tickets: 5
    service_levels:
      response:
        metric: first_response
        targets: {P1: 1h, P2: 4h}
        objective: 0.90
        credits: [{below: 0.90, credit: 0.03}]
"""
TEAMS = ("Service Desk", "Network", "Apps")
CATEGORIES = ("Access", "Hardware", "Email", "VPN")
AGENTS = ("Ann", "Bob", "Cleo", "Dev", "Eve")
CHANNELS = ("email", "phone", "portal")
UTC = dt.timezone.utc


def _iso(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tickets_and_events() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The fixture's tickets and status events, as text columns (as a CSV would give them)."""
    rows, events = [], []
    response_breaches = {1: {1}, 2: {1, 2, 3, 5}, 3: {1, 2}}
    resolution_breaches = {2: {6, 7, 9, 10, 11}}
    for month in (1, 2, 3):
        for k in range(20):
            created = dt.datetime(2026, month, k + 1, 10, 0, tzinfo=UTC)
            if month == 3 and k >= 18:
                created = dt.datetime(2026, 3, 31, 10 + k - 18, 0, tzinfo=UTC)
            priority = "P1" if k % 4 == 0 else "P2"
            answer = dt.timedelta(hours=3) if k in response_breaches.get(month, ()) else dt.timedelta(
                minutes=10 if priority == "P1" else 20)
            work = dt.timedelta(hours=30) if k in resolution_breaches.get(month, ()) else dt.timedelta(hours=4)
            resolved = None if (month == 3 and k >= 18) else created + work
            ticket_id = f"A-{month}{k:02d}"
            if month == 1 and k == 5:  # waits 10h for the customer: 30h wall time, 20h on the clock
                resolved = created + dt.timedelta(hours=30)
                events += [(ticket_id, created, "open"),
                           (ticket_id, created + dt.timedelta(hours=2), "pending_customer"),
                           (ticket_id, created + dt.timedelta(hours=12), "in_progress"),
                           (ticket_id, resolved, "resolved")]
            rows.append((ticket_id, "Acme", priority, created, created + answer, resolved, CATEGORIES[k % 4],
                         TEAMS[k % 3], AGENTS[k % 5], CHANNELS[k % 3],
                         str(1 + (k * 3 + month) % 5) if k % 3 == 0 else ""))
    # Globex: Berlin office hours; weekday mornings 10:00 local (09:00 UTC in winter)
    counts = {1: 8, 2: 4, 3: 6}
    globex_breaches = {1: set(), 2: {0, 1}, 3: {2}}
    for month, n in counts.items():
        day, made = dt.date(2026, month, 2), 0
        while made < n:
            if day.weekday() < 5:
                created = dt.datetime.combine(day, dt.time(9, 0), tzinfo=UTC)
                priority = "P1" if made % 3 == 0 else "P2"
                late = made in globex_breaches[month]
                answer = dt.timedelta(hours=6 if late else 0.5)  # same day: 6 business hours > 4h (and > 1h)
                rows.append((f"G-{month}{made:02d}", "Globex", priority, created, created + answer,
                             created + dt.timedelta(hours=7), CATEGORIES[made % 4], TEAMS[made % 3], AGENTS[made % 5],
                             CHANNELS[made % 3], ""))
                made += 1
            day += dt.timedelta(days=2)
    for i in range(3):  # a client no contract covers
        created = dt.datetime(2026, 2, 10 + i, 12, 0, tzinfo=UTC)
        rows.append((f"I-{i}", "Initech", "P1", created, created + dt.timedelta(hours=1), None, "Access", "Apps",
                     "Ann", "email", ""))
    for i in range(2):  # a priority no service level targets
        created = dt.datetime(2026, 1, 20 + i, 12, 0, tzinfo=UTC)
        rows.append((f"A-P9-{i}", "Acme", "P9", created, created + dt.timedelta(hours=1),
                     created + dt.timedelta(hours=2), "Access", "Apps", "Bob", "email", ""))
    tickets = pl.DataFrame(
        [(r[0], r[1], r[2], _iso(r[3]), _iso(r[4]), _iso(r[5]), *r[6:]) for r in rows], orient="row",
        schema=["ticket_id", "client", "priority", "created_at", "first_response_at", "resolved_at", "category",
                "team", "agent", "channel", "csat"])
    event_frame = pl.DataFrame([(t, _iso(a), s) for t, a, s in events], orient="row",
                               schema=["ticket_id", "at", "status"])
    return tickets, event_frame


USERS = {"pat": ("provider", ()), "ann": ("analyst", ()), "acme": ("client", ("acme",)),
         "globex": ("client", ("globex",))}


def password(name: str) -> str:
    return f"{name}-password"


def write_access_file(path: Path) -> Path:
    """The fixture's users (``USERS``), through the engine's own access module."""
    from slametrics import access as acc

    access = acc.new_access(path)
    for name, (role, contracts) in USERS.items():
        access = acc.with_user(access, acc.User(
            name=name, display_name=f"{name.capitalize()} ({role})", role=role, contracts=contracts,
            whatif=name == "acme", email=f"{name}@example.com", password_hash=acc.hash_password(password(name), rounds=4)))
    acc.write_access(access, path)
    return path


def write_fixture(folder: Path) -> tuple[Path, Path]:
    """Write ``policy.yaml``, ``access.yaml`` and ``sla.duckdb`` into ``folder`` (through the engine's own ingest)."""
    from slametrics.db import connect
    from slametrics.ingest import ingest_files
    from slametrics.policy import load_policy

    folder.mkdir(parents=True, exist_ok=True)
    policy_path, db_path = folder / "policy.yaml", folder / "sla.duckdb"
    policy_path.write_text(POLICY, encoding="utf-8")
    write_access_file(folder / "access.yaml")
    tickets, events = tickets_and_events()
    tickets.write_csv(folder / "tickets.csv")
    events.write_csv(folder / "events.csv")
    con = connect(db_path)
    try:
        ingest_files(con, folder / "tickets.csv", folder / "events.csv", policy=load_policy(policy_path))
    finally:
        con.close()
    return db_path, policy_path
