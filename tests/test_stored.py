"""Stored clocks (slametrics.stored, docs/semantics.md §12): whatever happens between two evaluations
(ingests that add or change tickets and their events, policy changes, as-of moves either way), the
store's clocks are exactly the full evaluation's, row for row; and a refresh reads only what can have
changed.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from slametrics.clock import evaluate_clocks
from slametrics.db import connect, writing
from slametrics.ingest import ingest_frames
from slametrics.policy import parse_policy
from slametrics.scope import EVERYTHING, Scope
from slametrics.stored import ClockStore
from tests.cli_runner import run_cli

BASE = """
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "08:00-18:00"}}
  nonstop: {timezone: UTC, hours: always}
contracts:
  a:
    clients: A_CLIENTS
    calendar: CALENDAR
    pause_statuses: [waiting]
    service_levels:
      response: {metric: first_response, targets: {P1: RESPONSE, P2: 4h}, objective: 0.9}
      resolution: {metric: resolution, targets: {P1: 8h, P2: 16h}, objective: 0.9}
      satisfaction: {metric: satisfaction, objective: 0.8}
  b:
    clients: B_CLIENTS
    calendar: nonstop
    service_levels:
      resolution: {metric: resolution, targets: {P1: 4h, P2: 12h}, objective: OBJECTIVE}
      first_contact: {metric: first_contact_resolution, objective: 0.5, priorities: [P2]}
AMENDMENT"""
AMENDED = """    amendments:
      - from: 2026-03
        service_levels:
          resolution: {metric: resolution, targets: {P1: 2h, P2: 12h}, objective: 0.9}
"""
#: the policy's versions a test moves between: clock terms changed for a (a target, then its calendar),
#: for b from an amendment on, b's objective only (which changes no clock), and the clients swapped
#: between the two contracts
SAME = {"CALENDAR": "berlin", "RESPONSE": "1h", "OBJECTIVE": "0.9", "AMENDMENT": "", "A_CLIENTS": "[A]",
        "B_CLIENTS": "[B]"}
VARIANTS = [
    SAME,
    {**SAME, "RESPONSE": "2h"},
    {**SAME, "CALENDAR": "nonstop"},
    {**SAME, "OBJECTIVE": "0.95"},
    {**SAME, "AMENDMENT": AMENDED},
    {**SAME, "A_CLIENTS": "[B]", "B_CLIENTS": "[A]"},
]
START = dt.datetime(2026, 2, 23, 8, 0, tzinfo=dt.timezone.utc)
UTC_US = pl.Datetime("us", "UTC")


def policy_of(variant: int):
    text = BASE
    for key, value in VARIANTS[variant].items():
        text = text.replace(key, value)
    return parse_policy(text, f"variant {variant}")


@st.composite
def batches(draw) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Tickets from a pool of 12 ids (so that a batch also changes stored ones: client, times, events),
    created over two weeks across February and March; some still open, some answered after resolution."""
    ids = draw(st.lists(st.integers(0, 11), min_size=1, max_size=6, unique=True))
    tickets, events = [], []
    for i in ids:
        created = START + dt.timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
        answer = draw(st.none() | st.integers(0, 3 * 24 * 60))
        solve = draw(st.none() | st.integers(0, 5 * 24 * 60))
        tickets.append({
            "ticket_id": f"T{i}", "client": draw(st.sampled_from(["A", "B"])), "priority": draw(st.sampled_from(["P1", "P2"])),
            "created_at": created,
            "first_response_at": None if answer is None else created + dt.timedelta(minutes=answer),
            "resolved_at": None if solve is None else created + dt.timedelta(minutes=solve),
            "csat": draw(st.none() | st.integers(1, 5).map(float)), "reopened": draw(st.none() | st.integers(0, 2)),
            "team": draw(st.sampled_from(["Desk", "Network", f"Team {i}"])),
        })
        for offset in draw(st.lists(st.integers(0, 4 * 24 * 60), max_size=3)):
            events.append({"ticket_id": f"T{i}", "at": created + dt.timedelta(minutes=offset),
                           "status": draw(st.sampled_from(["waiting", "open"]))})
    frame = pl.DataFrame(tickets, schema={"ticket_id": pl.String, "client": pl.String, "priority": pl.String,
                                          "created_at": UTC_US, "first_response_at": UTC_US, "resolved_at": UTC_US,
                                          "csat": pl.Float64, "reopened": pl.Int64, "team": pl.String})
    return frame, pl.DataFrame(events, schema={"ticket_id": pl.String, "at": UTC_US, "status": pl.String})


def rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("contract", "service_level", "ticket_id")


class StoreAgainstFullEvaluation(RuleBasedStateMachine):
    """Random ingests, policy changes, as-of moves and server restarts (a new store starting from the
    files the last one wrote, as the dashboard's does); after each, the store's clocks are the full
    evaluation's, for everyone and for one contract's scope."""

    @initialize(first=batches())
    def start(self, first):
        self.folder = Path(tempfile.mkdtemp(prefix="stored-"))
        self.db = self.folder / "sla.duckdb"
        self.store = ClockStore()
        self.restarts = 0
        self.variant = 0
        self.as_of = START + dt.timedelta(days=7)
        self.ingest(first)

    def teardown(self):
        if hasattr(self, "store"):
            self.store.flush()
        shutil.rmtree(self.folder, ignore_errors=True)

    @rule(batch=batches())
    def ingest(self, batch):
        tickets, events = batch
        with writing(self.db) as con:
            ingest_frames(con, tickets, events if events.height else None, source=f"batch", policy=policy_of(self.variant))

    @rule(variant=st.integers(0, len(VARIANTS) - 1))
    def change_policy(self, variant):
        self.variant = variant

    @rule(hours=st.integers(-72, 96))
    def move_as_of(self, hours):
        self.as_of += dt.timedelta(hours=hours)

    @rule()
    def restart(self):
        self.store.flush()
        self.store, self.restarts = ClockStore(), self.restarts + 1

    @invariant()
    def the_same_clocks(self):
        if not hasattr(self, "store"):
            return
        policy = policy_of(self.variant)
        con = connect(self.db, read_only=True)
        try:
            for scope in (EVERYTHING, Scope.of(policy, ["a"])):
                stored = self.store.clocks(con, policy, self.as_of, scope=scope, database=str(self.db), on_disk=True)
                full = evaluate_clocks(con, policy, self.as_of, scope=scope)
                assert stored.schema == full.schema  # Enum categories included
                assert rows(stored).equals(rows(full)), (scope, self.as_of, self.variant)
        finally:
            con.close()


StoreAgainstFullEvaluation.TestCase.settings = settings(max_examples=25, stateful_step_count=10, deadline=None,
                                                         suppress_health_check=[HealthCheck.too_slow])
test_the_store_gives_the_full_evaluation_after_any_sequence = StoreAgainstFullEvaluation.TestCase


@pytest.fixture
def stored(tmp_path):
    """A database of 40 tickets of a and b over March, most of them closed, and a store that has seen it once."""
    db = tmp_path / "sla.duckdb"
    tickets = []
    for i in range(40):
        created = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc) + dt.timedelta(hours=13 * i)
        closed = i % 5 != 0  # every fifth still open
        tickets.append({"ticket_id": f"S{i}", "client": "A" if i % 2 else "B", "priority": "P1", "created_at": created,
                        "first_response_at": created + dt.timedelta(minutes=30),
                        "resolved_at": created + dt.timedelta(hours=3) if closed else None})
    frame = pl.DataFrame(tickets, schema={"ticket_id": pl.String, "client": pl.String, "priority": pl.String,
                                          "created_at": UTC_US, "first_response_at": UTC_US, "resolved_at": UTC_US})
    with writing(db) as con:
        ingest_frames(con, frame, source="march", policy=policy_of(0))
    return db, ClockStore()


def _ticket(ticket_id: str, client: str, created: dt.datetime, answered: dt.datetime, resolved: dt.datetime
            ) -> pl.DataFrame:
    """One P1 ticket to ingest."""
    return pl.DataFrame({"ticket_id": [ticket_id], "client": [client], "priority": ["P1"], "created_at": [created],
                         "first_response_at": [answered], "resolved_at": [resolved]},
                        schema_overrides={"created_at": UTC_US, "first_response_at": UTC_US, "resolved_at": UTC_US})


def _clocks(db: Path, store: ClockStore, as_of: str, variant: int = 0, on_disk: bool = False
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(The store's clocks, the full evaluation's) for everyone; ``on_disk``: the dashboard's store, its
    file written before this returns."""
    con = connect(db, read_only=True)
    try:
        policy = policy_of(variant)
        found = store.clocks(con, policy, as_of, scope=EVERYTHING, database=str(db), on_disk=on_disk)
        store.flush()
        return found, evaluate_clocks(con, policy, as_of, scope=EVERYTHING)
    finally:
        con.close()


def test_a_later_as_of_reads_only_the_tickets_not_settled_by_the_first(stored):
    db, store = stored
    first, full = _clocks(db, store, "2026-03-25T00:00:00Z")
    assert store.evaluations == {"full": 1, "refresh": 0} and rows(first).equals(rows(full))
    later, full = _clocks(db, store, "2026-03-25T01:00:00Z")
    assert store.evaluations == {"full": 1, "refresh": 1}
    assert rows(later).equals(rows(full))
    # the tickets not settled when the store first evaluated (open, or resolved since) are read again;
    # every other ticket's clocks are kept
    con = connect(db, read_only=True)
    try:
        unsettled = con.execute("SELECT count(*) FROM tickets WHERE created_at <= TIMESTAMPTZ '2026-03-25 01:00:00+00' "
                                "AND (resolved_at IS NULL OR resolved_at > TIMESTAMPTZ '2026-03-25 00:00:00+00')"
                                ).fetchall()[0][0]
    finally:
        con.close()
    assert store.last_read == unsettled > 0


def test_an_ingest_reads_again_exactly_the_tickets_it_wrote(stored):
    db, store = stored
    _clocks(db, store, "2026-03-30T00:00:00Z")
    changed = _ticket("S1", "A", dt.datetime(2026, 3, 2, 22, tzinfo=dt.timezone.utc),
                      dt.datetime(2026, 3, 4, 22, tzinfo=dt.timezone.utc),
                      dt.datetime(2026, 3, 5, 22, tzinfo=dt.timezone.utc))
    with writing(db) as con:
        ingest_frames(con, changed, source="fix", policy=policy_of(0))
    after, full = _clocks(db, store, "2026-03-30T00:00:00Z")
    assert store.evaluations == {"full": 1, "refresh": 1}
    assert rows(after).equals(rows(full))
    s1 = after.filter(pl.col("ticket_id") == "S1").sort("service_level")
    assert s1["outcome"].cast(pl.String).to_list() == ["breached", "breached"]  # answered two days late now
    assert store.last_read == 1 + 8  # S1, and the 8 tickets still open (S0, S5, ..., S35)


def test_an_objective_changes_no_clock_and_a_target_reads_its_contract_again(stored):
    db, store = stored
    _clocks(db, store, "2026-03-30T00:00:00Z")
    same, full = _clocks(db, store, "2026-03-30T00:00:00Z", variant=3)  # b's objective only
    assert rows(same).equals(rows(full)) and store.last_read == 8
    target, full = _clocks(db, store, "2026-03-30T00:00:00Z", variant=1)  # a's P1 response target
    assert rows(target).equals(rows(full)) and store.evaluations == {"full": 1, "refresh": 2}
    assert store.last_read == 20 + 4  # every ticket of A, and the 4 of B still open


def test_an_earlier_as_of_is_evaluated_in_full(stored):
    db, store = stored
    _clocks(db, store, "2026-03-30T00:00:00Z")
    earlier, full = _clocks(db, store, "2026-03-10T00:00:00Z")
    assert store.evaluations == {"full": 2, "refresh": 0} and rows(earlier).equals(rows(full))


def test_a_ticket_answered_after_its_resolution_is_not_settled_until_the_answer(tmp_path):
    # resolved on the 3rd, answered (a late reply recorded) on the 6th: as of the 4th its response clock
    # stops at the resolution, as of the 7th at the answer, so a store first evaluated on the 4th must read it again
    db = tmp_path / "sla.duckdb"
    late = _ticket("L1", "A", dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc),
                   dt.datetime(2026, 3, 6, 9, tzinfo=dt.timezone.utc),
                   dt.datetime(2026, 3, 3, 9, tzinfo=dt.timezone.utc))
    with writing(db) as con:
        ingest_frames(con, late, source="late", policy=policy_of(0))
    store = ClockStore()
    before, _ = _clocks(db, store, "2026-03-04T00:00:00Z")
    after, full = _clocks(db, store, "2026-03-07T00:00:00Z")
    assert store.evaluations == {"full": 1, "refresh": 1} and rows(after).equals(rows(full))
    response = after.filter(pl.col("service_level") == "response")
    assert response["stop_at"][0] == dt.datetime(2026, 3, 6, 9, tzinfo=dt.timezone.utc)
    assert before.filter(pl.col("service_level") == "response")["stop_at"][0] == dt.datetime(2026, 3, 3, 9,
                                                                                             tzinfo=dt.timezone.utc)


def test_the_command_line_reads_through_the_store_and_full_gives_the_same_figures(stored, tmp_path):
    db, _ = stored
    (tmp_path / "policy.yaml").write_text(BASE.replace("CALENDAR", "berlin").replace("RESPONSE", "1h")
                                          .replace("OBJECTIVE", "0.9").replace("AMENDMENT", "")
                                          .replace("A_CLIENTS", "[A]").replace("B_CLIENTS", "[B]"))
    outputs = {}
    for command in ("evaluate", "compliance", "credits"):
        for full in ((), ("--full",)):
            done = run_cli(command, "--db", str(db), "--policy", str(tmp_path / "policy.yaml"),
                           "--as-of", "2026-03-25T00:00:00Z", *full, cwd=tmp_path)
            assert done.returncode == 0, done.stderr
            outputs[command, bool(full)] = done.stdout.splitlines()
    stored_rows, full_rows = outputs["evaluate", False], outputs["evaluate", True]
    assert stored_rows[0] == full_rows[0] and len(full_rows) == 1 + 20 * 2 + 20  # A: response, resolution; B: resolution
    assert stored_rows != full_rows and sorted(stored_rows) == sorted(full_rows)  # kept rows first: same rows
    assert len(outputs["compliance", True]) == 1 + 3  # March: a's two levels and b's resolution
    for command in ("compliance", "credits"):  # (the policy sets no fee: credits are the header alone)
        assert outputs[command, False] == outputs[command, True]


def test_a_copy_restored_from_before_and_ingested_into_since_is_evaluated_in_full(tmp_path):
    # the copy has the database's creation and, after one more ingest, as many ingests as the store saw;
    # its history is another: X is back to its first resolution and has moved to B (another contract)
    db, backup = tmp_path / "sla.duckdb", tmp_path / "backup.duckdb"

    def x(client: str, resolved_day: int) -> pl.DataFrame:
        return _ticket("X", client, dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc),
                       dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.timezone.utc),
                       dt.datetime(2026, 3, resolved_day, 11, tzinfo=dt.timezone.utc))

    with writing(db) as con:
        ingest_frames(con, x("A", 2), source="one", policy=policy_of(0))
    shutil.copy(db, backup)
    with writing(db) as con:
        ingest_frames(con, x("A", 4), source="late", policy=policy_of(0))
    store = ClockStore()
    a = Scope.of(policy_of(0), ["a"])
    con = connect(db, read_only=True)
    try:
        assert store.clocks(con, policy_of(0), "2026-03-20T00:00:00Z", scope=a, database=str(db)).height == 2
    finally:
        con.close()
    shutil.copy(backup, db)
    with writing(db) as con:
        ingest_frames(con, x("B", 2), source="moved", policy=policy_of(0))
    con = connect(db, read_only=True)
    try:
        again = store.clocks(con, policy_of(0), "2026-03-21T00:00:00Z", scope=a, database=str(db))
        assert again.schema == evaluate_clocks(con, policy_of(0), "2026-03-21T00:00:00Z", scope=a).schema
    finally:
        con.close()
    assert store.evaluations == {"full": 2, "refresh": 0} and again.height == 0  # X is b's now: a sees nothing


def test_a_contract_removed_from_the_policy_leaves_nothing_of_its_levels(stored):
    # c covers no client (so which clients a contract covers does not change), and only c targets P9
    db, store = stored
    with_c = BASE.replace("AMENDMENT", "  c:\n    clients: []\n    calendar: nonstop\n    service_levels:\n"
                                       "      resolution: {metric: resolution, targets: {P9: 1h}, objective: 0.9}\n")
    for text in (with_c, BASE.replace("AMENDMENT", "")):
        policy = parse_policy(text.replace("CALENDAR", "berlin").replace("RESPONSE", "1h").replace("OBJECTIVE", "0.9")
                              .replace("A_CLIENTS", "[A]").replace("B_CLIENTS", "[B]"), "policy")
        con = connect(db, read_only=True)
        try:
            mine = store.clocks(con, policy, "2026-03-30T00:00:00Z", scope=EVERYTHING, database=str(db))
            full = evaluate_clocks(con, policy, "2026-03-30T00:00:00Z", scope=EVERYTHING)
        finally:
            con.close()
        assert mine.schema == full.schema and rows(mine).equals(rows(full))
    assert full.schema["priority"].categories.to_list() == ["P1", "P2"]
    assert store.evaluations == {"full": 1, "refresh": 1}


# --- kept on disk: a new server process starts from the last one's files ----------------------------


def _on_disk(db: Path, store: ClockStore, as_of: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    return _clocks(db, store, as_of, on_disk=True)


def test_a_new_process_starts_from_the_file_and_reads_only_what_is_not_settled(stored):
    db, store = stored
    first, _ = _on_disk(db, store, "2026-03-25T00:00:00Z")
    assert store.evaluations == {"full": 1, "refresh": 0} and store.loaded == 0
    files = sorted(p.suffix for p in stored_folder(db).iterdir() if p.suffix != ".lock")
    assert files == [".arrow", ".json"]  # one entry: its rows and their description
    again = ClockStore()  # a restarted server
    later, full = _on_disk(db, again, "2026-03-25T01:00:00Z")
    assert again.loaded == 1 and again.evaluations == {"full": 0, "refresh": 1}
    assert later.schema == full.schema and rows(later).equals(rows(full))
    memory = ClockStore()  # the same request without the file: a full evaluation
    memory.clocks(connect(db, read_only=True), policy_of(0), "2026-03-25T01:00:00Z", scope=EVERYTHING,
                  database=str(db))
    assert memory.evaluations == {"full": 1, "refresh": 0}
    # only the 8 tickets open on the 25th (S0, S5, ..., S35) are read again: the file kept the other 32
    assert again.last_read == 8 < memory.last_read == 40


def test_a_file_is_used_only_by_the_code_database_scope_and_time_it_was_made_for(stored, monkeypatch):
    db, store = stored
    _on_disk(db, store, "2026-03-25T00:00:00Z")
    import slametrics.stored as module

    made = module.file_fingerprint(policy_of(0))
    for name, change in (("other code", lambda: monkeypatch.setattr(
                              module, "file_fingerprint", lambda policy: {**made, "slametrics": "another"})),
                         ("other holidays", lambda: monkeypatch.setattr(
                              module, "file_fingerprint", lambda policy: {**made, "holidays": "0.1"})),
                         ("too old", lambda: monkeypatch.setattr(module, "FILE_DAYS", 0))):
        change()
        again = ClockStore()
        found, full = _on_disk(db, again, "2026-03-25T01:00:00Z")
        assert (again.loaded, again.evaluations["full"]) == (0, 1), name
        assert rows(found).equals(rows(full))
        monkeypatch.undo()
    # another scope has no file of its own yet: it is evaluated in full (and writes one)
    a = Scope.of(policy_of(0), ["a"])
    again = ClockStore()
    con = connect(db, read_only=True)
    try:
        mine = again.clocks(con, policy_of(0), "2026-03-25T01:00:00Z", scope=a, database=str(db), on_disk=True)
        again.flush()
        assert again.loaded == 0 and set(mine["contract"].cast(pl.String)) == {"a"}
    finally:
        con.close()
    assert len(list(stored_folder(db).glob("*.json"))) == 2


def test_a_database_made_again_at_the_same_path_does_not_use_the_old_file(stored, tmp_path):
    db, store = stored
    _on_disk(db, store, "2026-03-25T00:00:00Z")
    db.unlink()
    with writing(db) as con:  # another database: one ticket, created anew at the same path
        ingest_frames(con, _ticket("N1", "A", dt.datetime(2026, 3, 3, 9, tzinfo=dt.timezone.utc),
                                   dt.datetime(2026, 3, 3, 9, 5, tzinfo=dt.timezone.utc),
                                   dt.datetime(2026, 3, 3, 10, tzinfo=dt.timezone.utc)), source="new", policy=policy_of(0))
    again = ClockStore()
    found, full = _on_disk(db, again, "2026-03-25T01:00:00Z")
    assert again.loaded == 0 and rows(found).equals(rows(full))
    assert set(found["ticket_id"]) == {"N1"}


def test_an_unreadable_file_is_evaluated_in_full_and_written_again(stored, caplog):
    db, store = stored
    _on_disk(db, store, "2026-03-25T00:00:00Z")
    data = next(stored_folder(db).glob("*.arrow"))
    data.write_bytes(data.read_bytes()[:200])  # cut short (a disk that filled up, a copy interrupted)
    again = ClockStore()
    found, full = _on_disk(db, again, "2026-03-25T01:00:00Z")
    assert again.loaded == 0 and again.evaluations == {"full": 1, "refresh": 0}
    assert rows(found).equals(rows(full))
    assert "is not usable" in caplog.text and data.name in caplog.text
    third = ClockStore()
    _on_disk(db, third, "2026-03-25T02:00:00Z")
    assert third.loaded == 1  # the full evaluation wrote it again


def test_a_folder_that_cannot_be_written_leaves_the_store_in_memory(stored, caplog):
    db, store = stored
    stored_folder(db).write_text("not a folder")  # where the entries would go
    found, full = _on_disk(db, store, "2026-03-25T00:00:00Z")
    assert rows(found).equals(rows(full)) and "kept in memory only" in caplog.text
    later, full = _on_disk(db, store, "2026-03-25T01:00:00Z")
    assert store.evaluations == {"full": 1, "refresh": 1} and rows(later).equals(rows(full))


def stored_folder(db: Path) -> Path:
    from slametrics.stored import folder_of

    return folder_of(str(db))


def test_a_restored_backup_is_not_answered_from_the_file_of_the_history_it_replaced(tmp_path):
    # as the in-memory case above, but across a restart: the file was written for the later history
    db, backup = tmp_path / "sla.duckdb", tmp_path / "backup.duckdb"
    x = [_ticket("X", client, dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc),
                 dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.timezone.utc),
                 dt.datetime(2026, 3, day, 11, tzinfo=dt.timezone.utc)) for client, day in (("A", 2), ("A", 4), ("B", 2))]
    with writing(db) as con:
        ingest_frames(con, x[0], source="one", policy=policy_of(0))
    shutil.copy(db, backup)
    with writing(db) as con:
        ingest_frames(con, x[1], source="late", policy=policy_of(0))
    _on_disk(db, ClockStore(), "2026-03-20T00:00:00Z")
    shutil.copy(backup, db)
    with writing(db) as con:
        ingest_frames(con, x[2], source="moved", policy=policy_of(0))
    again = ClockStore()
    found, full = _on_disk(db, again, "2026-03-21T00:00:00Z")
    assert again.loaded == 1 and again.evaluations == {"full": 1, "refresh": 0}  # read, then refused
    assert rows(found).equals(rows(full)) and found["contract"].cast(pl.String).to_list() == ["b"]


def test_writers_of_one_folder_take_turns_and_the_last_file_is_whole(stored):
    db, _ = stored
    import threading

    stores = [ClockStore() for _ in range(4)]
    barrier = threading.Barrier(len(stores))

    def evaluate(store: ClockStore, hour: int) -> None:
        con = connect(db, read_only=True)
        try:
            barrier.wait()
            store.clocks(con, policy_of(0), f"2026-03-25T0{hour}:00:00Z", scope=EVERYTHING, database=str(db),
                         on_disk=True)
            store.flush()
        finally:
            con.close()

    threads = [threading.Thread(target=evaluate, args=(s, k)) for k, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s.evaluations["full"] == 1 for s in stores)
    names = sorted(p.name for p in stored_folder(db).iterdir() if p.suffix != ".lock")
    assert len(names) == 2 and names[0].endswith(".arrow") and names[1].endswith(".json")  # one entry, whole
    again = ClockStore()
    found, full = _on_disk(db, again, "2026-03-25T05:00:00Z")
    assert again.loaded == 1 and rows(found).equals(rows(full))


def test_a_description_of_the_wrong_shape_is_not_used(stored, caplog):
    db, store = stored
    _on_disk(db, store, "2026-03-25T00:00:00Z")
    description = next(stored_folder(db).glob("*.json"))
    import json

    for broken in (lambda good: [1, 2], lambda good: {**good, "base": "soon"},
                   lambda good: {**good, "data": "../../etc/passwd"}, lambda good: {**good, "terms": ["a"]},
                   lambda good: {**good, "lists": {"team": "Desk"}},
                   lambda good: {k: v for k, v in good.items() if k != "lists"}):
        # each from the description the last full evaluation wrote again (naming its new rows' file)
        broken = json.dumps(broken(json.loads(description.read_text())))
        description.write_text(broken)
        again = ClockStore()
        found, full = _on_disk(db, again, "2026-03-25T01:00:00Z")
        assert again.loaded == 0 and rows(found).equals(rows(full)), broken
        assert "is not usable" in caplog.text
        caplog.clear()
    description.write_text("{not json")
    found, full = _on_disk(db, ClockStore(), "2026-03-25T01:00:00Z")
    assert rows(found).equals(rows(full)) and "is not usable" in caplog.text


def test_the_fingerprint_follows_the_code_the_libraries_and_the_time_zones(tmp_path, monkeypatch):
    import importlib.resources

    import slametrics
    import slametrics.fingerprint as fp

    made = fp.fingerprint(policy_of(0), "UTC")
    assert {"slametrics", "python", "polars", "numpy", "duckdb", "pyarrow", "holidays"} <= set(made)
    assert {"time zone Europe/Berlin", "time zone UTC"} <= set(made)  # the calendars' zones, by their bytes
    assert made["slametrics"] == fp._digest_of_sources()  # taken at import; the files are unchanged
    copy = tmp_path / "slametrics"
    shutil.copytree(Path(slametrics.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(importlib.resources, "files", lambda package: copy)
    assert fp._digest_of_sources() == made["slametrics"]  # the same files, the same digest
    (copy / "clock.py").write_text((copy / "clock.py").read_text() + "\n# changed\n")
    assert fp._digest_of_sources() != made["slametrics"]
    assert fp.sources_digest() == made["slametrics"]  # the process keeps the digest of the code it imported


def test_another_process_starts_from_the_file_and_reads_only_what_is_not_settled(stored):
    # a real new process, with another hash seed: what the file is checked against must not depend on it
    import json
    import os
    import subprocess
    import sys

    db, store = stored
    _on_disk(db, store, "2026-03-25T00:00:00Z")
    script = (
        "import json, sys\n"
        "from slametrics.db import connect\n"
        "from slametrics.scope import EVERYTHING\n"
        "from slametrics.stored import ClockStore\n"
        "from tests.test_stored import policy_of\n"
        "store = ClockStore()\n"
        "con = connect(sys.argv[1], read_only=True)\n"
        "found = store.clocks(con, policy_of(0), '2026-03-25T01:00:00Z', scope=EVERYTHING, database=sys.argv[1],"
        " on_disk=True)\n"
        "print(json.dumps({'loaded': store.loaded, 'read': store.last_read, 'rows': found.height, **store.evaluations}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1],
                          env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr[-2000:]
    there = json.loads(done.stdout.strip().splitlines()[-1])
    _, full = _on_disk(db, ClockStore(), "2026-03-25T01:00:00Z")
    assert there == {"loaded": 1, "read": 8, "rows": full.height, "full": 0, "refresh": 1}
