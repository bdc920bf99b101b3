"""Cached access to the database and the policy, shared by every page and browser session.

The app opens each version of the database read-only once per process (``st.cache_resource``), and
takes a cursor per query: Streamlit runs each session in its own thread and a DuckDB connection is not
to be shared between threads. A run reads the version in place when it starts (``pinned``). Every read goes through the engine with the session's scope (``ui.session.scope``:
the contracts the signed-in user may see), and every cached figure is keyed by it: a session is never
handed a frame that holds another contract's rows. Clocks are evaluated once per (database version,
policy version, as-of moment, scope) and reused by every page, what-if included; a new as-of moment, an
ingest or a policy change evaluates only the clocks that can have changed (``slametrics.stored``). A write (the Data
page's upload, or ``slametrics ingest`` from another process while the app serves) swaps in a new
file whole: no session waits for it or sees half of it, and each sees the new version on its next run.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import polars as pl
import streamlit as st

from slametrics import inventory
from slametrics.db import open_snapshot, version_of, writing
from slametrics.errors import PolicyError, SlaError
from slametrics.policy import Policy, load_policy
from slametrics.scope import Scope
from slametrics.stored import STORE
from ui import session

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "data" / "sla.duckdb"
DEFAULT_POLICY = ROOT / "config" / "policy.yaml"
_BUILD_LOCK = threading.Lock()


def db_path() -> Path:
    """The database: ``$SLA_DB`` or ``data/sla.duckdb`` in the project."""
    return Path(os.environ.get("SLA_DB") or DEFAULT_DB)


def policy_path() -> Path:
    """The policy file: ``$SLA_POLICY`` or ``config/policy.yaml`` in the project."""
    return Path(os.environ.get("SLA_POLICY") or DEFAULT_POLICY)


def file_version(path: Path) -> tuple[int, int, int]:
    """Changes whenever the file is rewritten or replaced (mtime, inode, size); zeros when it is missing."""
    return version_of(path)


# --- policy ---------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=4)
def _policy(path: str, version: tuple[int, int, int]) -> Policy:
    return load_policy(path)


@dataclass(frozen=True)
class PolicyState:
    """The active policy, or the problems that keep it from loading."""

    path: Path
    policy: Policy | None
    problems: tuple[str, ...] = ()


def policy_state() -> PolicyState:
    path = policy_path()
    try:
        return PolicyState(path, _policy(str(path), file_version(path)))
    except PolicyError as exc:
        return PolicyState(path, None, tuple(exc.problems))


# --- database -------------------------------------------------------------------------------------

_RUN = threading.local()  # the database version a session's run reads (each run is one thread)


class _Moved(Exception):
    """The database was replaced between a run's start and its first read of it."""


@contextmanager
def pinned() -> Iterator[None]:
    """Read one version of the database for a whole run: the one in place when the run starts.

    A write swaps in a new file whole (slametrics.db.writing); a run that began before it finishes on
    the file it started with, so a page never mixes figures from before and after a write, and the
    next run reads the new one.
    """
    _RUN.version = version_of(db_path())
    try:
        yield
    finally:
        _RUN.version = None


def db_version() -> tuple[int, int, int]:
    """The version this run reads (``pinned``), or the one in place now outside a run."""
    return getattr(_RUN, "version", None) or version_of(db_path())


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(path: str, version: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    con, opened = open_snapshot(path)
    if opened != version:
        con.close()
        raise _Moved
    return con  # never closed here: a run still reading it keeps it; it closes when the last one lets go


def connection() -> duckdb.DuckDBPyConnection:
    """The read-only connection to this run's version; take ``.cursor()`` for each query (or use ``cursor()``).

    Where that version is gone before the run first read it (a write swapped in a newer one), the run
    moves on to the newest.
    """
    path = db_path()
    while True:
        try:
            return _connection(str(path), db_version())
        except _Moved:
            _RUN.version = version_of(path)


@contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of this run's connection, closed after use."""
    cur = connection().cursor()
    try:
        yield cur
    finally:
        cur.close()


def database_exists() -> bool:
    return db_path().exists()


def build_demo_database(progress: Callable[[str, float], None]) -> None:
    """Build the demo database where the app expects one (once, even with several sessions waiting)."""
    from slametrics.demo import build_demo

    from slametrics.access import write_demo_users

    with _BUILD_LOCK:
        if db_path().exists():
            return
        build_demo(db_path(), policy_path(), progress=progress)
        note = write_demo_users(session.access_path(), load_policy(policy_path()))
        if note:
            print(note, flush=True)  # the server's terminal: never on screen
    clear_caches()


def clear_caches() -> None:
    """Forget every cached connection, policy and figure (after a write, or in tests)."""
    _connection.clear()
    _policy.clear()
    _clocks.clear()
    _contract_clocks.clear()
    _contract_options.clear()
    _whatif_index.clear()
    STORE.clear()
    _last_activity.clear()
    _volume_cache.clear()
    _holdings.clear()
    _ticket.clear()


@contextmanager
def writable() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one write: it works on a copy swapped in whole at the end (slametrics.db.writing),
    so every session keeps reading while it runs and sees the new file on its next run."""
    def waiting(message: str) -> None:
        st.toast("Another load of tickets into this database is in progress; this one starts when it is done.",
                 icon=":material/hourglass_top:")

    with writing(db_path(), waiting=waiting) as con:
        yield con


# --- figures --------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=16)
def _last_activity(path: str, version: tuple[int, int, int], scope: Scope) -> dt.datetime | None:
    with cursor() as cur:
        return inventory.last_activity(cur, scope=scope)


def default_as_of(scope: Scope) -> dt.datetime:
    """Evaluate as of the end of the (UTC) day of the scope's last recorded activity, but never later than now.

    For a live database that is now; for an export it is the moment the export was taken, so clocks
    that were open then are not charged for the weeks since (the data cannot know what happened).
    Only the scope's own tickets count: another client's later activity neither shows nor moves it.
    """
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    last = _last_activity(str(db_path()), db_version(), scope)
    if last is None:
        return now
    end_of_day = dt.datetime.combine(last.astimezone(dt.timezone.utc).date() + dt.timedelta(days=1),
                                     dt.time(0), tzinfo=dt.timezone.utc)
    return min(now, end_of_day)


def as_of() -> dt.datetime:
    """The moment this session's figures are evaluated at: fixed when the session starts (or the database
    changes, or the user asks for a refresh), so moving a what-if control never evaluates clocks again."""
    scope = session.scope()
    version = (str(db_path()), db_version(), scope.key)
    stored = st.session_state.get("_as_of")
    if stored is None or stored[0] != version:
        stored = (version, default_as_of(scope))
        st.session_state["_as_of"] = stored
    return stored[1]


def refresh_as_of() -> None:
    """Evaluate again as of now (a button callback)."""
    st.session_state.pop("_as_of", None)


@st.cache_resource(show_spinner="Evaluating clocks ...", max_entries=16)
def _clocks(db: str, db_version: tuple, policy_file: str, policy_version: tuple, as_of: dt.datetime,
            scope: Scope) -> pl.DataFrame:
    policy = _policy(policy_file, policy_version)
    with cursor() as cur:
        return STORE.clocks(cur, policy, as_of, scope=scope, database=db, on_disk=True)


def clocks(as_of: dt.datetime) -> pl.DataFrame:
    """The clocks of the session's scope as of ``as_of`` (cached per scope; the what-if page reuses them)."""
    db, pol = db_path(), policy_path()
    return _clocks(str(db), db_version(), str(pol), file_version(pol), as_of, session.scope())


@st.cache_resource(show_spinner=False, max_entries=32)
def _contract_clocks(_clocks: pl.DataFrame, frame_id: int, db: str, db_version: tuple, policy_file: str,
                     policy_version: tuple, as_of: dt.datetime, scope: Scope, contract: str) -> pl.DataFrame:
    return _clocks.filter(pl.col("contract") == contract)


def contract_clocks(frame: pl.DataFrame, contract: str, as_of: dt.datetime) -> pl.DataFrame:
    """The rows of ``contract`` in ``frame`` (the session's clocks as of ``as_of``): filtered once per set of
    clocks and shared by the sidebar, the view and every rerun, instead of three times a run."""
    db, pol = db_path(), policy_path()
    return _contract_clocks(frame, id(frame), str(db), db_version(), str(pol), file_version(pol), as_of,
                            session.scope(), contract)


@st.cache_resource(show_spinner=False, max_entries=32)
def _contract_options(_clocks: pl.DataFrame, frame_id: int, db: str, db_version: tuple, policy_file: str,
                      policy_version: tuple, as_of: dt.datetime, scope: Scope, contract: str,
                      columns: tuple[str, ...]) -> dict[str, list]:
    return {"period": sorted(_clocks["period"].unique().to_list()),
            **{c: sorted(_clocks[c].drop_nulls().unique().to_list()) for c in columns}}


def contract_options(frame: pl.DataFrame, contract: str, as_of: dt.datetime, columns: tuple[str, ...]) -> dict[str, list]:
    """The months (``period``) and the values of ``columns`` that ``frame`` (``contract_clocks``) holds, sorted:
    the sidebar's options, found once per set of clocks instead of over every clock on every rerun."""
    db, pol = db_path(), policy_path()
    return _contract_options(frame, id(frame), str(db), db_version(), str(pol), file_version(pol), as_of,
                             session.scope(), contract, tuple(columns))


@st.cache_resource(show_spinner=False, max_entries=32)
def _whatif_index(_clocks: pl.DataFrame, db: str, db_version: tuple, policy_file: str, policy_version: tuple,
                  as_of: dt.datetime, scope: Scope, contract: str, periods: tuple[str, ...]):
    from slametrics.whatif import prepare

    return prepare(_clocks.filter(pl.col("period").is_in(list(periods))))


def whatif_index(frame: pl.DataFrame, contract: str, periods: tuple[str, ...], as_of: dt.datetime):
    """What-if's prepared index (``slametrics.whatif.prepare``) of the chosen contract's clocks (``frame``,
    ``contract_clocks``) in ``periods``: made once per set of clocks and shared by every session of the same
    scope, so a control that moves re-aggregates through it (milliseconds) instead of over every clock, and
    the months are picked out of ``frame`` only when it is made."""
    db, pol = db_path(), policy_path()
    return _whatif_index(frame, str(db), db_version(), str(pol), file_version(pol), as_of, session.scope(),
                         contract, tuple(periods))


@st.cache_resource(show_spinner=False, max_entries=16)
def _statuses(db: str, db_version: tuple, policy_file: str, policy_version: tuple, as_of: dt.datetime,
              scope: Scope) -> pl.DataFrame:
    from slametrics.watch import current_statuses

    with cursor() as cur:
        return current_statuses(cur, as_of, scope=scope, policy=_policy(policy_file, policy_version))


def clock_state(frame: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """The running clocks of ``frame`` (the session's clocks, or part of them) as the watch sees them:
    paused now or not, share used, time left, due moment (``slametrics.watch.clock_state``)."""
    from slametrics.watch import clock_state as state

    db, pol = db_path(), policy_path()
    statuses = _statuses(str(db), db_version(), str(pol), file_version(pol), as_of, session.scope())
    return state(frame, statuses, session.scope().policy(_policy(str(pol), file_version(pol))), as_of)


@st.cache_resource(show_spinner=False, max_entries=4)
def _alerts(path: str, version: tuple[int, int, int], policy_file: str, policy_version: tuple):
    from slametrics.alerts import load_alerts

    return load_alerts(path, _policy(policy_file, policy_version))


def alerts_path() -> Path:
    """The alert rules the watch uses: ``SLA_ALERTS``, else ``alerts.yaml`` beside the policy."""
    from slametrics.alerts import default_alerts_path

    return Path(os.environ.get("SLA_ALERTS") or default_alerts_path(policy_path()))


def alerts():
    """The alert rules and notification targets (``slametrics.alerts``); raises PolicyError where broken."""
    path, pol = alerts_path(), policy_path()
    return _alerts(str(path), file_version(path), str(pol), file_version(pol))


def alerts_sent() -> pl.DataFrame:
    """The alerts the watch has sent, of the session's contracts only, newest first."""
    from slametrics import notify

    scope = session.scope()
    try:
        sent = notify.sent(notify.store_path(db_path()))
    except SlaError as exc:  # a store being written or broken: the page says so and shows the rest
        st.warning(" ".join(exc.problems), icon=":material/warning:")
        sent = pl.DataFrame(schema=notify.SENT_COLUMNS)
    return sent if scope.everyone else sent.filter(pl.col("contract").is_in(list(scope.contracts)))


@st.cache_resource(show_spinner=False, max_entries=64)
def _volume_cache(db: str, db_version: tuple, policy_file: str, policy_version: tuple, contract: str,
                  as_of: dt.datetime, grain: str, filters: tuple, scope: Scope) -> pl.DataFrame:
    from slametrics.trends import volume

    policy = _policy(policy_file, policy_version)
    with cursor() as cur:
        return volume(cur, policy, contract, as_of, grain, dict(filters), scope=scope)


def volume(contract: str, as_of: dt.datetime, grain: str, filters: dict[str, list[str]]) -> pl.DataFrame:
    """Tickets created and resolved per period, and the backlog (cached per filter set and scope)."""
    db, pol = db_path(), policy_path()
    key = tuple(sorted((k, tuple(v)) for k, v in filters.items() if v))
    return _volume_cache(str(db), db_version(), str(pol), file_version(pol), contract, as_of, grain, key,
                         session.scope())


@st.cache_resource(show_spinner=False, max_entries=16)
def _holdings(db: str, db_version: tuple, policy_file: str, policy_version: tuple, scope: Scope) -> inventory.Holdings:
    try:
        policy = _policy(policy_file, policy_version)
    except PolicyError:
        policy = None
    with cursor() as cur:
        return inventory.holdings(cur, policy, scope=scope)


def holdings() -> inventory.Holdings:
    """What the database holds of the session's scope, against the active policy (or none, where it is broken)."""
    db, pol = db_path(), policy_path()
    return _holdings(str(db), db_version(), str(pol), file_version(pol), session.scope())


def rejects(con: duckdb.DuckDBPyConnection, sources: list[str]) -> pl.DataFrame:
    """The stored rejects of ``sources`` that the session's scope may see."""
    from slametrics.ingest import rejects_of

    return pl.concat([rejects_of(con, s, scope=session.scope()) for s in sources], how="vertical_relaxed")


@st.cache_resource(show_spinner=False, max_entries=64)
def _ticket(db: str, db_version: tuple, ticket_id: str, scope: Scope):
    from slametrics.evidence import find_ticket

    with cursor() as cur:
        return find_ticket(cur, ticket_id, scope=scope)


def ticket(ticket_id: str):
    """The stored ticket ``ticket_id`` where the session's scope may see it (slametrics.evidence), else None."""
    return _ticket(str(db_path()), db_version(), ticket_id, session.scope())


@st.cache_resource(show_spinner=False, max_entries=4)
def _report_settings(path: str, version: tuple[int, int, int]):
    from slametrics.report import load_settings

    return load_settings(Path(path))


def report_settings():
    """The report's branding (``$SLA_REPORT_SETTINGS`` or ``config/report.yaml``; defaults where absent),
    read again only when the file changes, as the policy is."""
    path = Path(os.environ.get("SLA_REPORT_SETTINGS") or ROOT / "config" / "report.yaml")
    return _report_settings(str(path), file_version(path))


@st.cache_resource(show_spinner="Gathering the review's figures ...", max_entries=16)
def _review(db: str, db_version: tuple, policy_file: str, policy_version: tuple, contract: str, period: str,
            previous: str, as_of: dt.datetime, scope: Scope, settings, _clocks: pl.DataFrame):
    from slametrics.report import build_review
    from slametrics.report.document import render_html

    policy = _policy(policy_file, policy_version)
    with cursor() as cur:
        made = build_review(cur, policy, contract, period, as_of, scope=scope, settings=settings, previous=previous,
                            clocks=_clocks)
    return made, render_html(made)


def review(contract: str, period: str, previous: str, as_of: dt.datetime):
    """The quarterly review of ``contract`` (``slametrics.report``), read through the session's scope, and
    its HTML page: (Review, str). Its clocks are the session's (``clocks``), not evaluated again."""
    db, pol = db_path(), policy_path()
    return _review(str(db), db_version(), str(pol), file_version(pol), contract, period, previous, as_of,
                   session.scope(), report_settings(), clocks(as_of))
