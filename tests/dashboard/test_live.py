"""Live data while the dashboard serves (docs/semantics.md, "Writing while the dashboard serves"): twenty
ingests in a row from the command line into the database a running server reads, while three signed-in
people keep opening pages. Every ingest succeeds, no page shows an error, every session sees the new
tickets (and never a figure between two ingests' worth), and afterwards the file holds exactly what the
same ingests give without a server: every table row for row.
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from slametrics.db import connect
from tests.cli_runner import REPO
from tests.dashboard.browser import CHROMIUM, LAUNCH_ARGS, SESSION_COOKIE, serve
from tests.dashboard.fixture import password, write_fixture

pytestmark = pytest.mark.browser
INGESTS, PER_INGEST = 20, 2
SETTLED = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') === 'notRunning'
                  && !document.querySelector('[data-testid="stStatusWidget"]')"""
OPENED = '[data-testid="stMetric"]:has-text("Tickets opened") [data-testid="stMetricValue"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
WAIT_MS = 120_000
SHOTS = Path("/tmp")
TABLES = {"tickets": [], "events": [], "status_spans": [], "rejects": [], "ingests": ["ingested_at"]}


def batch(folder: Path, k: int) -> Path:
    """Ingest ``k``'s file: two more Acme tickets opened in March 2026 (the month Overview shows)."""
    path = folder / f"live-{k:02d}.csv"
    rows = [f"LIVE-{k:02d}-{i},Acme,P1,2026-03-{10 + k % 15:02d}T09:00:00Z,2026-03-{10 + k % 15:02d}T09:10:00Z,"
            f"Service desk" for i in range(PER_INGEST)]
    path.write_text("ticket_id,client,priority,created_at,first_response_at,team\n" + "\n".join(rows) + "\n")
    return path


def ingest(db: Path, tickets: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slametrics", "ingest", "--db", str(db), "--tickets", str(tickets),
                           "--quiet"], cwd=db.parent, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})


def tables(db: Path) -> dict[str, pl.DataFrame]:
    con = connect(db, read_only=True)
    try:
        found = {}
        for table, varying in TABLES.items():
            frame = con.sql(f"SELECT * FROM {table}").pl().drop(varying)
            found[table] = frame.sort(frame.columns, nulls_last=True)
        return found
    finally:
        con.close()


async def _signed_in(browser, url: str, user: str):
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.goto(url, wait_until="domcontentloaded", timeout=WAIT_MS)
    await page.wait_for_selector('input[aria-label="Password"]', timeout=WAIT_MS)
    await page.wait_for_function(SETTLED, timeout=WAIT_MS)
    await page.get_by_role("textbox", name="Username").fill(user)
    await page.get_by_role("textbox", name="Password").fill(password(user))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_selector(OPENED, timeout=WAIT_MS)
    await page.wait_for_function(SETTLED, timeout=WAIT_MS)
    deadline = time.monotonic() + WAIT_MS / 1000  # the session cookie is set by a component, a moment later
    while not any(c["name"] == SESSION_COOKIE for c in await context.cookies()) and time.monotonic() < deadline:
        await page.wait_for_timeout(100)
    assert any(c["name"] == SESSION_COOKIE for c in await context.cookies()), f"{user}: no session cookie"
    return context, page


async def _opened(page, url: str) -> tuple[int, list[str]]:
    """Open the Overview again (a new run, as a reload is): its tickets opened, and any error shown."""
    await page.goto(url, wait_until="domcontentloaded", timeout=WAIT_MS)
    try:
        await page.wait_for_selector(f"{OPENED}, {ERRORS}", timeout=WAIT_MS)
        await page.wait_for_function(SETTLED, timeout=WAIT_MS)
    except Exception:
        await page.screenshot(path=SHOTS / f"timeout-{time.time():.0f}.png")  # what the page showed instead
        raise
    errors = await page.locator(ERRORS).all_inner_texts()
    value = await page.locator(OPENED).first.inner_text() if not errors else "-1"
    return int(value.replace(",", "")), errors


async def _session(browser, url: str, user: str, done: threading.Event, seen: list, reads: list,
                   errors: list) -> None:
    """Keep opening pages until the ingests are done; each Overview read goes into ``seen`` and, with the
    moment it began, into ``reads``, which the writer waits on."""
    context, page = await _signed_in(browser, url, user)
    try:
        while not done.is_set():
            for path in ("trends", "breaches"):  # other pages between, with their own reads
                await page.goto(f"{url}/{path}", wait_until="domcontentloaded", timeout=WAIT_MS)
                await page.wait_for_selector("h1", timeout=WAIT_MS)
                await page.wait_for_function(SETTLED, timeout=WAIT_MS)
                errors.extend((user, path, e) for e in await page.locator(ERRORS).all_inner_texts())
            began = time.monotonic()
            value, shown = await _opened(page, url)
            seen.append(value)
            reads.append((began, user))
            errors.extend((user, "", e) for e in shown)
        value, shown = await _opened(page, url)  # after the last ingest
        seen.append(value)
        errors.extend((user, "", e) for e in shown)
    finally:
        await context.close()


def test_twenty_ingests_while_three_sessions_keep_reading(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `./run tests` installs Debian's chromium")
    pytest.importorskip("playwright.async_api")
    from playwright.async_api import async_playwright

    db, policy = write_fixture(tmp_path / "served")
    expected_db = tmp_path / "alone" / "sla.duckdb"  # the same ingests with nobody reading
    expected_db.parent.mkdir()
    shutil.copy(db, expected_db)
    files = [batch(tmp_path, k) for k in range(INGESTS)]
    env = {"SLA_DB": str(db), "SLA_POLICY": str(policy), "SLA_ACCESS": str(db.parent / "access.yaml"),
           "SLA_AUDIT": str(tmp_path / "audit.jsonl"), "SLA_LOG_DIR": str(tmp_path)}
    users = ["pat", "ann", "acme"]
    done, results, reads = threading.Event(), [], []

    def waited(condition) -> None:
        deadline = time.monotonic() + WAIT_MS / 1000
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)

    def ingests() -> None:
        """Paced by the readers, so that the reads fall between the ingests however slow the machine:
        the first ingest once every session has read once, each next one once a read that began after
        the last has finished."""
        waited(lambda: {user for _, user in reads} == set(users))
        for path in files:
            results.append(ingest(db, path))
            ended = time.monotonic()
            waited(lambda: any(began > ended for began, _ in reads))
        done.set()

    async def run(url: str):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                first = [await _opened(page, url) for _, page in [await _signed_in(browser, url, "pat")]][0]
                writer = threading.Thread(target=ingests)
                writer.start()
                seen = {u: [] for u in users}
                errors: list = []
                await asyncio.wait_for(asyncio.gather(*(_session(browser, url, u, done, seen[u], reads, errors)
                                                        for u in users)), timeout=900)
                writer.join()
                return first, seen, errors
            finally:
                await browser.close()

    with serve(env) as url:
        (start, first_errors), seen, errors = asyncio.run(run(url))
    assert not first_errors and start > 0
    assert [r.returncode for r in results] == [0] * INGESTS, [r.stderr for r in results if r.returncode]
    assert all(f"stored {PER_INGEST}" in r.stdout or f"{PER_INGEST} stored" in r.stdout for r in results), \
        results[0].stdout
    assert not errors, errors
    final = start + INGESTS * PER_INGEST
    for user in users:
        values = seen[user]
        assert values[-1] == final, (user, values)  # every session sees the new tickets
        assert values == sorted(values), (user, values)  # and never goes back to an older file
        assert all((v - start) % PER_INGEST == 0 and start <= v <= final for v in values), (user, values)
    # a read ran after every ingest and before the next, and saw exactly it
    assert set(v for vs in seen.values() for v in vs) >= {start + k * PER_INGEST for k in range(INGESTS + 1)}
    for path in files:
        assert ingest(expected_db, path).returncode == 0
    served, alone = tables(db), tables(expected_db)
    for table in TABLES:
        assert served[table].equals(alone[table]), table
    assert served["tickets"].height == alone["tickets"].height > INGESTS * PER_INGEST
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == []  # no copy or link left
