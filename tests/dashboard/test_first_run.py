"""The first run on a machine with no database builds the demo one, then shows its figures."""
from __future__ import annotations

import polars as pl
import streamlit as st

from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.db import connect
from slametrics.policy import load_policy
from slametrics.scope import EVERYTHING
from tests.dashboard.helpers import ROOT, metric, open_page
from ui import format as fmt


def test_with_no_database_the_first_run_builds_the_demo_and_shows_its_overview(tmp_path, monkeypatch):
    db = tmp_path / "data" / "sla.duckdb"
    monkeypatch.setenv("SLA_DB", str(db))
    monkeypatch.setenv("SLA_POLICY", str(ROOT / "config" / "policy.yaml"))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = open_page()
        assert db.exists()
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
