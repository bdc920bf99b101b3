"""The benchmark: a synthetic history of N tickets through every step of the engine and the dashboard.

    python bench/run.py --tickets 1000000 --out bench/results-1m.json

The history is the demo's generator (``slametrics.demo.generate_history``: five clients in four time
zones, three contracts, split shifts, holidays, ~1.5 status events per ticket with pauses and
reopens) written as canonical CSV, once per size and seed, by a child process (its memory is not
the engine's). Everything else runs in this one process; each figure is the median of ``--runs``
runs after one untimed warm-up (ingest: every run into a fresh database, no warm-up). What each key
of the JSON means: bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from slametrics import whatif  # noqa: E402
from slametrics.clock import evaluate_clocks  # noqa: E402
from slametrics.compliance import compliance  # noqa: E402
from slametrics.credits import credits  # noqa: E402
from slametrics.db import connect, writing  # noqa: E402
from slametrics.ingest import ingest_files  # noqa: E402
from slametrics.inventory import last_activity  # noqa: E402
from slametrics.policy import Policy, Tier, load_policy  # noqa: E402
from slametrics.scope import EVERYTHING

POLICY = ROOT / "config" / "policy.yaml"
PEER_SAMPLE = 2_000
SCAN_FLOOR = """
SELECT date_trunc('month', created_at) AS month, client, priority,
       count(*) AS tickets, sum(epoch(resolved_at) - epoch(created_at)) AS open_seconds
FROM tickets
GROUP BY ALL
"""
#: the issue's targets: (key, at most / at least, at 1M, at 10M)
TARGETS = [("clocks_vs_scan", "max", 4, 4), ("whatif_s", "max", 0.03, 0.25), ("ingest_s", "max", 20, 200),
           ("page_s", "max", 0.5, 1.0), ("page_cold_s", "max", 1.5, 4), ("peak_rss_mb", "max", None, 4000), ("peer_vs_engine", "min", 1000, None),
           ("report_pdf_s", "max", 10, None), ("report_pptx_s", "max", 5, None), ("watch_s", "max", 2, 2),
           ("whatif_page_s", "max", 0.05, 0.25), ("refresh_s", "max", 0.1, 1), ("ingest_refresh_s", "max", 1, 3),
           ("sessions_p95_s", "max", 2, None)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], object], runs: int, warm_up: bool = True) -> tuple[float, object]:
    """Median seconds of ``runs`` calls (after an untimed one), and the last result."""
    result = fn() if warm_up else None
    seconds = []
    for _ in range(runs):
        result = None  # the last result is dropped first: two sets of clocks at once would double the peak
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


# --- the synthetic history ------------------------------------------------------------------------


def history(n: int, seed: int, workdir: Path) -> dict:
    """Canonical tickets.csv and events.csv of ``n`` tickets (made once, by a child process)."""
    folder = workdir / f"history-{n}-{seed}"
    done = folder / "made.json"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, __file__, "--tickets", str(n), "--seed", str(seed), "--make-history", str(folder)],
                       check=True)
    return {**json.loads(done.read_text()), "tickets_csv": str(folder / "tickets.csv"),
            "events_csv": str(folder / "events.csv")}


def make_history(n: int, seed: int, folder: Path) -> None:
    from slametrics.demo import generate_history

    start = time.perf_counter()
    tickets, events = generate_history(n, seed=seed)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    tickets.write_csv(folder / "tickets.csv", datetime_format=stamp)
    events.write_csv(folder / "events.csv", datetime_format=stamp)
    (folder / "made.json").write_text(json.dumps({
        "events": events.height, "generate_s": round(time.perf_counter() - start, 2),
        "generate_peak_rss_mb": round(peak_rss_mb()), "csv_mb": round(sum(
            (folder / f).stat().st_size for f in ("tickets.csv", "events.csv")) / 2**20)}))


# --- the steps --------------------------------------------------------------------------------------


def open_db(path: Path, memory_limit: str | None, read_only: bool = False):
    con = connect(path, read_only=read_only)
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def ingest(data: dict, workdir: Path, policy: Policy, runs: int, memory_limit: str | None) -> tuple[float, Path]:
    """What `python -m slametrics ingest --tickets T --events E` does, into a fresh database each run."""
    target = workdir / "bench.duckdb"
    seconds = []
    for run in range(runs):
        path = workdir / f"ingest-{run}.duckdb"
        for old in (path, Path(f"{path}.wal")):
            old.unlink(missing_ok=True)
        start = time.perf_counter()
        with writing(path) as con:  # the command line's path: a new file, renamed into place
            if memory_limit:
                con.execute(f"SET memory_limit = '{memory_limit}'")
            ingest_files(con, data["tickets_csv"], data["events_csv"], policy=policy)
        seconds.append(time.perf_counter() - start)
        os.replace(path, target)
    return statistics.median(seconds), target


def live_write(db: Path, data: dict, workdir: Path, policy: Policy, runs: int) -> dict:
    """A small ingest (the first 1,000 tickets again, as a helpdesk's next export would update them) into the
    full database while it is served: through ``writing`` (the product: a copy swapped in whole, readers
    never wait) and, for comparison, in place (what readers would wait for: DuckDB lets no other process
    open a file being written, not even read-only)."""
    batch = workdir / "batch-1000.csv"
    with open(data["tickets_csv"], encoding="utf-8") as source:
        batch.write_text("".join(line for _, line in zip(range(1001), source)), encoding="utf-8")
    work = workdir / "live.duckdb"
    snapshot, in_place, opened = [], [], []
    for _ in range(runs):
        shutil.copyfile(db, work)
        start = time.perf_counter()
        with writing(work) as con:
            ingest_files(con, batch, None, policy=policy)
            t = time.perf_counter()  # a reader arriving during the write
            reader = connect(work, read_only=True)
            reader.execute("SELECT count(*) FROM tickets").fetchall()
            reader.close()
            opened.append(time.perf_counter() - t)
        snapshot.append(time.perf_counter() - start - opened[-1])
        shutil.copyfile(db, work)
        start = time.perf_counter()
        con = connect(work)
        try:
            ingest_files(con, batch, None, policy=policy)
        finally:
            con.close()
        in_place.append(time.perf_counter() - start)
    work.unlink(missing_ok=True)
    return {"live_write_s": statistics.median(snapshot), "in_place_write_s": statistics.median(in_place),
            "live_write_vs_in_place": statistics.median(snapshot) / statistics.median(in_place),
            "reader_during_write_s": statistics.median(opened)}


def stored_clocks(db: Path, data: dict, workdir: Path, policy: Policy, as_of: dt.datetime, runs: int,
                  memory_limit: str | None, check: bool) -> dict:
    """What the dashboard's store (``slametrics.stored``) does after its first, full evaluation: a new
    as-of moment one hour later each run (``refresh_s``), and an ingest of 10,000 tickets (half of them
    stored ones changed, half new) followed by the next evaluation (``ingest_refresh_s``), on a copy; and a
    new process's store starting from the file the first evaluation wrote (``stored_restart_s``)."""
    from slametrics.stored import ClockStore, folder_of

    def rows(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sort("contract", "service_level", "ticket_id")

    store, out = ClockStore(), {}
    con = open_db(db, memory_limit, read_only=True)
    try:
        shutil.rmtree(folder_of(str(db)), ignore_errors=True)
        start = time.perf_counter()
        store.clocks(con, policy, as_of, scope=EVERYTHING, database=str(db), on_disk=True)
        out["stored_first_s"] = time.perf_counter() - start
        start = time.perf_counter()
        store.flush()  # the file is written on a thread of its own while the first page shows
        out["stored_write_wait_s"] = time.perf_counter() - start
        out["stored_file_mb"] = round(sum(f.stat().st_size for f in folder_of(str(db)).iterdir()) / 2**20)
        hours = iter(range(1, 1000))
        moments: list[dt.datetime] = []

        def refresh():
            moments.append(as_of + dt.timedelta(hours=next(hours)))
            return store.clocks(con, policy, moments[-1], scope=EVERYTHING, database=str(db))

        out["refresh_s"], refreshed = timed(refresh, runs)
        out["refresh_read_tickets"] = store.last_read
        if check:
            out["refresh_checked"] = rows(refreshed).equals(rows(evaluate_clocks(con, policy, moments[-1], scope=EVERYTHING)))
        del refreshed
        store.clear()  # (one process holds one store)
        # a new server process: its store starts from the file, half an hour after its base
        restarted = ClockStore()
        start = time.perf_counter()
        found = restarted.clocks(con, policy, as_of + dt.timedelta(minutes=30), scope=EVERYTHING, database=str(db),
                                 on_disk=True)
        out["stored_restart_s"] = time.perf_counter() - start
        out["stored_restart_read_tickets"], out["stored_restart_loaded"] = restarted.last_read, restarted.loaded
        if check:
            out["stored_restart_checked"] = rows(found).equals(rows(evaluate_clocks(
                con, policy, as_of + dt.timedelta(minutes=30), scope=EVERYTHING)))
        del found, restarted
    finally:
        con.close()

    work = workdir / "refresh.duckdb"
    shutil.copyfile(db, work)
    store.clear()
    con = open_db(work, memory_limit, read_only=True)
    store.clocks(con, policy, as_of, scope=EVERYTHING, database=str(work))
    con.close()
    tickets = pl.read_csv(data["tickets_csv"], n_rows=200_000, infer_schema_length=0)
    seconds, read = [], 0
    for run in range(runs + 1):  # the first is the warm-up
        part = tickets.sample(n=min(5000, tickets.height), seed=run)
        changed = part.with_columns(pl.lit("2026-12-31T00:00:00Z").alias("resolved_at"))  # closed later
        new = part.with_columns((pl.lit(f"NEW{run}-") + pl.col("ticket_id")).alias("ticket_id"))
        batch = workdir / f"refresh-batch-{run}.csv"
        pl.concat([changed, new]).write_csv(batch)
        start = time.perf_counter()
        with writing(work) as wcon:
            ingest_files(wcon, batch, None, policy=policy)
        con = open_db(work, memory_limit, read_only=True)
        try:
            after = store.clocks(con, policy, as_of, scope=EVERYTHING, database=str(work))
            if run:
                seconds.append(time.perf_counter() - start)
                read, out["ingest_refresh_tickets"] = store.last_read, 2 * part.height
            if check and run == runs:
                out["ingest_refresh_checked"] = rows(after).equals(rows(evaluate_clocks(con, policy, as_of,
                                                                                        scope=EVERYTHING)))
            del after
        finally:
            con.close()
        batch.unlink()
    work.unlink(missing_ok=True)
    out["ingest_refresh_s"] = statistics.median(seconds)
    out["ingest_refresh_read_tickets"] = read
    out["stored_evaluations"] = dict(store.evaluations)
    return out


def scenario(policy: Policy) -> Policy:
    """Every target half as long again, and new credit tiers: what an analyst tries with the sliders."""
    changed = policy
    tiers = (Tier(Decimal("0.97"), Decimal("0.02")), Tier(Decimal("0.90"), Decimal("0.05")))
    for key, contract in policy.contracts.items():
        changed = whatif.amend(changed, key, targets={
            name: {p: int(s * 1.5) // 60 * 60 for p, s in level.targets.items()}
            for name, level in contract.service_levels.items()}, tiers={name: tiers for name in contract.service_levels})
    return changed


def as_of_for(con) -> dt.datetime:
    """The dashboard's moment: the end of the UTC day of the last recorded activity (never after now)."""
    last = last_activity(con, scope=EVERYTHING)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if last is None:
        return now
    day_end = dt.datetime.combine(last.astimezone(dt.timezone.utc).date() + dt.timedelta(days=1), dt.time(0),
                                  tzinfo=dt.timezone.utc)
    return min(now, day_end)


def peer(con, policy: Policy, as_of: dt.datetime, seed: int) -> float:
    """Seconds per 1,000 tickets of the analyst's pandas + businesstimedelta script (a 2,000-ticket sample)."""
    from bench.peer import compliance_script

    clients = sorted(policy.client_contract)
    sample = con.sql(f"SELECT * FROM tickets WHERE client IN (SELECT unnest($clients::VARCHAR[])) "
                     f"USING SAMPLE reservoir({PEER_SAMPLE} ROWS) REPEATABLE ({seed})",
                     params={"clients": clients}).pl().to_pandas()
    start = time.perf_counter()
    compliance_script(sample, policy, as_of)
    return (time.perf_counter() - start) / len(sample) * 1000


def pages(db: Path, timeout: float) -> tuple[dict, dict, float | None, float | None]:
    """({page: seconds of one warm server-side run}, {page: error}, seconds of the first run (cold caches),
    the median server-side rerun of the What-if page after one target changes), signed in as a provider of
    an access file made for the run (the sign-in itself is not timed)."""
    entry = ROOT / "dashboard.py"
    if not entry.exists():
        return {}, {"dashboard.py": "missing"}, None, None, {}
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from slametrics import access as acc

    os.environ["SLA_DB"], os.environ["SLA_POLICY"] = str(db), str(POLICY)
    os.environ["SLA_ACCESS"], os.environ["SLA_AUDIT"] = str(db.parent / "access.yaml"), str(db.parent / "audit.jsonl")
    users = acc.new_access(db.parent / "access.yaml")
    acc.write_access(acc.with_user(users, acc.User(name="bench", display_name="Benchmark", role="provider",
                                                   password_hash=acc.hash_password("bench-password", rounds=4))),
                     db.parent / "access.yaml")
    from slametrics.stored import STORE, folder_of
    from ui.data import clear_caches

    clear_caches()  # every figure, and the store's memory
    shutil.rmtree(folder_of(str(db)), ignore_errors=True)  # and its files: the first page ever evaluates in full
    names = re.findall(r"st\.Page\(\s*[\"'](pages/[^\"']+\.py)[\"']", entry.read_text(encoding="utf-8"))

    def signed_in() -> tuple[AppTest, float]:
        """A new session signed in as the benchmark's provider, and the seconds of its first page."""
        app = AppTest.from_file(str(entry), default_timeout=timeout)
        app.run()
        app.text_input(key="signin_username").input("bench")
        app.text_input(key="signin_password").input("bench-password")
        start = time.perf_counter()
        app.button(key="signin_submit").click().run()
        took = time.perf_counter() - start
        if app.session_state["_signed_in"] != "bench":
            raise RuntimeError("the sign-in failed")
        return app, took

    times, errors = {}, {}
    try:
        app, cold = signed_in()
    except Exception as exc:  # noqa: BLE001 - a broken page is reported, not fatal
        return {n: None for n in names}, {"dashboard.py": f"{type(exc).__name__}: {exc}"}, None, None, {}
    for name in names:
        start = time.perf_counter()
        try:
            app.switch_page(name).run()
            problems = [str(e.value) for e in app.exception]
        except Exception as exc:  # noqa: BLE001
            problems = [f"{type(exc).__name__}: {exc}"]
        key = Path(name).stem
        times[key] = None if problems else round(time.perf_counter() - start, 3)
        if problems:
            errors[key] = "; ".join(problems)[:500]
    whatif_rerun = None
    try:  # the What-if page after its first run: one target moves, the page reruns (the analyst's slider)
        app.switch_page("pages/whatif.py").run()
        box = next(t for t in app.text_input if str(t.key).startswith("wi.") and ".target." in str(t.key))
        reruns = []
        for value in ("3h", "5h", "4h 30m"):
            start = time.perf_counter()
            box.input(value).run()
            reruns.append(time.perf_counter() - start)
        whatif_rerun = round(statistics.median(reruns), 4) if not app.exception else None
    except Exception as exc:  # noqa: BLE001
        errors["whatif_control"] = f"{type(exc).__name__}: {exc}"[:500]
    restart = {"page_restart_s": None, "page_restart_loaded": 0}
    try:  # a new server process: nothing in memory, the store's file on disk (written after the first page)
        STORE.flush()
        clear_caches()
        loaded = STORE.loaded
        _, took = signed_in()
        restart = {"page_restart_s": round(took, 3), "page_restart_loaded": STORE.loaded - loaded}
    except Exception as exc:  # noqa: BLE001
        errors["restart"] = f"{type(exc).__name__}: {exc}"[:500]
    st.cache_resource.clear()
    return times, errors, round(cold, 3), whatif_rerun, restart


# --- the run ----------------------------------------------------------------------------------------


def review(con, policy: Policy, as_of: dt.datetime, runs: int) -> dict:
    """The quarterly review of the first contract for the last quarter that ended before ``as_of``, as a
    user gets it (``python -m slametrics report``): figures gathered, then the PDF or the deck made."""
    from slametrics import periods
    from slametrics.report import build_review
    from slametrics.report.deck import render_pptx
    from slametrics.report.document import render_pdf

    contract = next(iter(policy.contracts))
    quarter = periods.previous(periods.quarter_of(f"{as_of:%Y-%m}"))

    def build():
        return build_review(con, policy, contract, quarter, as_of, scope=EVERYTHING)

    model_s, made = timed(build, runs)
    pdf_s, pdf = timed(lambda: render_pdf(build()), runs)
    pptx_s, deck = timed(lambda: render_pptx(build()), runs)
    return {"report_quarter": f"{contract} {quarter}", "report_model_s": model_s, "report_pdf_s": pdf_s,
            "report_pptx_s": pptx_s, "report_pdf_kb": round(len(pdf) / 1024), "report_pptx_kb": round(len(deck) / 1024),
            "report_breaches": made.all_breaches.height}


def run(args: argparse.Namespace) -> dict:
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    policy = load_policy(POLICY)
    data = history(args.tickets, args.seed, workdir)
    out: dict = {"tickets": args.tickets, "events": data["events"], "runs": args.runs,
                 "memory_limit": args.memory_limit, "generate_s": data["generate_s"],
                 "generate_peak_rss_mb": data["generate_peak_rss_mb"], "csv_mb": data["csv_mb"]}
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))

    say(f"ingest: {args.runs} run(s) of {args.tickets:,} tickets ...")
    out["ingest_s"], db = ingest(data, workdir, policy, args.runs, args.memory_limit)
    out["db_mb"] = round(db.stat().st_size / 2**20)
    out["peak_rss_ingest_mb"] = round(peak_rss_mb())

    say("a write while serving: copy swapped in whole vs in place ...")
    out.update(live_write(db, data, workdir, policy, args.runs))

    con = open_db(db, args.memory_limit, read_only=True)
    as_of = as_of_for(con)
    out["as_of"] = as_of.isoformat()
    say("scan floor, clocks, compliance, credits ...")
    out["scan_floor_s"], _ = timed(lambda: con.sql(SCAN_FLOOR).pl(), args.runs)
    out["clocks_s"], clocks = timed(lambda: evaluate_clocks(con, policy, as_of, scope=EVERYTHING), args.runs)
    out["clocks"] = clocks.height
    out["clocks_mb"] = round(clocks.estimated_size() / 2**20)
    out["compliance_s"], levels = timed(lambda: compliance(clocks, policy), args.runs)
    out["credits_s"], _ = timed(lambda: credits(levels, policy), args.runs)

    say("what-if ...")
    changed = scenario(policy)
    out["whatif_prepare_s"], index = timed(lambda: whatif.prepare(clocks), 1, warm_up=False)
    out["whatif_s"], fast = timed(lambda: whatif.evaluate_prepared(index, changed), args.runs)
    if args.tickets <= 2_000_000:  # the slow path copies every clock: checked where that is cheap
        start = time.perf_counter()
        slow = whatif.evaluate(clocks, changed)
        out["whatif_unprepared_s"] = time.perf_counter() - start
        out["whatif_checked"] = slow[0].equals(fast[0]) and slow[1].table().equals(fast[1].table())

    say("quarterly review: PDF and deck of one contract ...")
    out.update(review(con, policy, as_of, args.runs))

    say("watch: one check of the open clocks and this month's budgets ...")
    from slametrics import watch
    from slametrics.alerts import Alerts

    out["watch_s"], found = timed(lambda: watch.check(con, policy, Alerts(), as_of, scope=EVERYTHING), args.runs)
    out["watch_running_clocks"], out["watch_fired"] = found.clocks.height, found.fired.height
    out["watch_vs_clocks"] = out["watch_s"] / out["clocks_s"]  # the watch reads the open tickets, not the history
    # the watch's running clocks are the full evaluation's, figure for figure
    full = clocks.filter((pl.col("measure") == "clock") & pl.col("running")).select(
        pl.col("ticket_id"), pl.col("service_level").cast(pl.String), "elapsed_seconds").sort("ticket_id", "service_level")
    out["watch_checked"] = found.clocks.select("ticket_id", "service_level", "elapsed_seconds").sort(
        "ticket_id", "service_level").equals(full)

    say("stored clocks: a refresh an hour later, and an ingest of 10,000 tickets then the next evaluation ...")
    out.update(stored_clocks(db, data, workdir, policy, as_of, args.runs, args.memory_limit, args.tickets <= 2_000_000))

    say("peer (pandas + businesstimedelta) ...")
    covered = clocks.select(pl.col("ticket_id").n_unique()).item()
    out["peer_s_per_1k"] = peer(con, policy, as_of, args.seed)
    engine_per_1k = (out["clocks_s"] + out["compliance_s"]) / max(covered, 1) * 1000
    out["engine_s_per_1k"] = engine_per_1k
    out["peer_vs_engine"] = out["peer_s_per_1k"] / engine_per_1k
    out["clocks_vs_scan"] = out["clocks_s"] / out["scan_floor_s"]
    out["tickets_per_s"] = args.tickets / out["clocks_s"]
    del clocks, levels, index, fast
    con.close()
    out["peak_rss_engine_mb"] = round(peak_rss_mb())

    if args.pages == "yes" or (args.pages == "auto" and args.tickets <= 2_000_000):
        say("dashboard pages (AppTest) ...")
        out["page_s"], out["page_errors"], out["page_cold_s"], out["whatif_page_s"], restart = pages(db, args.page_timeout)
        out.update(restart)
    else:
        out["page_s"], out["page_errors"], out["page_cold_s"] = None, {"all": "skipped (--pages)"}, None
        out["whatif_page_s"] = out["page_restart_s"] = None
    if args.sessions and (args.pages == "yes" or (args.pages == "auto" and args.tickets <= 2_000_000)):
        from bench.sessions import sessions

        say(f"{args.sessions} sessions at once, each visiting every page (AppTest threads) ...")
        out.update(sessions(db, POLICY, args.sessions, args.page_timeout))
    out["peak_rss_mb"] = round(peak_rss_mb())
    out["machine"] = {"cpus": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
                      "python": platform.python_version(), "load_average_1m": round(os.getloadavg()[0], 2)}
    out["versions"] = {name: _version(name) for name in ("duckdb", "polars", "numpy", "pandas", "streamlit")}
    out["checks"] = check(out)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def check(out: dict) -> dict:
    """Each target of the issue that applies at this size: the figure, the limit, and whether it holds."""
    size = 1 if out["tickets"] <= 3_000_000 else 10
    found = {}
    for key, kind, at_1m, at_10m in TARGETS:
        limit = at_1m if size == 1 else at_10m
        value = out.get(key)
        if limit is None or value is None:
            continue
        if key == "page_s":
            value = max((v for v in value.values() if v is not None), default=None) if value else None
            if value is None or out.get("page_errors"):
                found[key] = {"value": value, "limit": limit, "holds": False}
                continue
        holds = value <= limit if kind == "max" else value >= limit
        found[key] = {"value": round(value, 4), "limit": limit, "holds": holds}
    return found


def table(out: dict) -> str:
    rows = [(k, out[k]) for k in ("tickets", "events", "clocks", "ingest_s", "clocks_s", "compliance_s", "credits_s",
                                  "whatif_s", "whatif_prepare_s", "scan_floor_s", "clocks_vs_scan", "peer_s_per_1k",
                                  "peer_vs_engine", "refresh_s", "stored_restart_s", "ingest_refresh_s", "sessions_p95_s", "rss_per_extra_session_mb", "report_model_s", "report_pdf_s",
                                  "report_pptx_s", "peak_rss_mb",
                                  "peak_rss_engine_mb", "page_cold_s", "page_restart_s") if k in out]
    rows += [(f"page_s[{p}]", s) for p, s in (out.get("page_s") or {}).items()]
    rows += [(f"error[{p}]", e) for p, e in (out.get("page_errors") or {}).items()]
    rows += [(f"target {k}", f"{c['value']} vs {c['limit']}: {'holds' if c['holds'] else 'MISSED'}")
             for k, c in out["checks"].items()]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v:,.4g}" if isinstance(v, float) else f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, required=True, help="how many tickets to generate")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (median; default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "work"), help="history and databases (default bench/work)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 2GB (default: DuckDB's)")
    parser.add_argument("--pages", choices=("auto", "yes", "no"), default="auto",
                        help="run the dashboard pages (auto: up to 2M tickets)")
    parser.add_argument("--page-timeout", type=float, default=300)
    parser.add_argument("--sessions", type=int, default=10, help="concurrent dashboard sessions (0: none; with the pages)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--make-history", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_history:
        make_history(args.tickets, args.seed, Path(args.make_history))
        return 0
    out = run(args)
    print(table(out))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
