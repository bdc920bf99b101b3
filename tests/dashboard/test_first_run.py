"""The first run on a machine with no database builds the demo one and its demo users, then a demo
client signs in and sees its figures."""
from __future__ import annotations

import polars as pl
import streamlit as st

from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.db import connect
from slametrics.access import load_access
from slametrics.policy import load_policy
from slametrics.scope import EVERYTHING
from tests.dashboard.helpers import ROOT, metric, open_page, sign_in
from ui import format as fmt


def test_with_no_database_the_first_run_builds_the_demo_and_shows_its_overview(tmp_path, monkeypatch, capfd):
    db = tmp_path / "data" / "sla.duckdb"
    access = tmp_path / "config" / "access.yaml"
    monkeypatch.setenv("SLA_DB", str(db))
    monkeypatch.setenv("SLA_DEMO", "1")  # as at the default path of a fresh clone
    monkeypatch.setenv("SLA_POLICY", str(ROOT / "config" / "policy.yaml"))
    monkeypatch.setenv("SLA_ACCESS", str(access))
    monkeypatch.setenv("SLA_AUDIT", str(tmp_path / "audit.jsonl"))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = open_page(user=None)
        assert db.exists()
        assert [t.label for t in at.text_input] == ["Username", "Password"]  # the sign-in screen
        assert [s.label for s in at.status] == []  # the build's progress box does not stay on the page
        users = load_access(access, load_policy(ROOT / "config" / "policy.yaml")).users
        assert {n: (u.role, u.contracts) for n, u in users.items()} == {
            "provider": ("provider", ()), "analyst": ("analyst", ()), "acme": ("client", ("acme",)),
            "hudson": ("client", ("hudson",)), "wattle": ("client", ("wattle",))}
        printed = capfd.readouterr().out
        assert "acme       password demo-acme" in printed  # on the server's terminal, not on screen
        assert "demo-acme" not in access.read_text() and "demo-" not in "".join(m.value for m in at.markdown)
        sign_in(at, "acme", "demo-acme")
        assert at.session_state["_signed_in"] == "acme"
        assert at.selectbox(key="contract").options == ["Acme Group"]
        policy = load_policy(ROOT / "config" / "policy.yaml")
        con = connect(db, read_only=True)
        try:
            tickets = con.execute("SELECT count(*) FROM tickets").fetchall()[0][0]
            clocks = evaluate_clocks(con, policy, "2026-11-01T00:00:00Z", scope=EVERYTHING)
        finally:
            con.close()
        assert tickets == 40_000
        # the default view: the first contract's newest month, as of the end of the data's last day
        row = compliance(clocks, policy).row(by_predicate=(pl.col("contract") == "acme") & (pl.col("period") == "2026-10")
                                             & (pl.col("service_level") == "resolution"), named=True)
        assert metric(at, "Resolution").value == fmt.percent(row["compliance"])
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_a_database_named_elsewhere_is_not_filled_with_the_demo_unasked(app_env, tmp_path, monkeypatch):
    db = tmp_path / "production" / "sla.duckdb"
    monkeypatch.setenv("SLA_DB", str(db))
    monkeypatch.delenv("SLA_DEMO", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_page()  # the fixture's users sign in; no database there yet
    assert not db.exists() and not db.parent.exists()
    assert not at.exception
    assert any(f"There is no database at `{db}` yet" in i.value for i in at.info)
