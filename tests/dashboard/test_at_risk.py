"""The At risk page (docs/semantics.md §11): the running clocks by due moment with the watch's own figures,
paused ones apart, the month's breach budgets, and the alerts sent, of the session's contracts only."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from slametrics import notify, watch
from slametrics.alerts import Alerts
from slametrics.db import connect
from slametrics.scope import Scope
from tests.dashboard.fixture import AS_OF
from tests.dashboard.helpers import metric, open_page


@pytest.fixture
def sent_alerts(app_env):
    """Alerts the watch sent for both contracts, in the store beside the fixture's database."""
    db, _ = app_env
    store = notify.store_path(db)
    rows = pl.DataFrame({"contract": ["acme", "globex"], "service_level": ["response", "response"],
                         "ticket_id": ["A-318", "G-300"], "rule": ["used 75%", "breached"], "rank": [1, 3],
                         "family": ["used", "used"], "period": ["2026-03", "2026-03"]})
    notify.record(rows, store, "webhook", dt.datetime(2026, 3, 31, 22, tzinfo=dt.timezone.utc))
    yield store
    store.unlink()


def state_of(db, policy, contract):
    moment = dt.datetime.fromisoformat(AS_OF)
    con = connect(db, read_only=True)
    try:
        found = watch.check(con, policy, Alerts(), moment, scope=Scope.of(policy, [contract]))
    finally:
        con.close()
    return found


def test_the_page_lists_running_clocks_by_due_moment_with_the_watchs_figures(app_env, engine, sent_alerts):
    db, _ = app_env
    policy, _, _, _ = engine
    found = state_of(db, policy, "acme")
    at = open_page("at_risk")
    assert at.title[0].value == "At risk"
    running = found.clocks.filter(~pl.col("paused") & (pl.col("business_seconds_left") >= 0))
    assert running.height > 0
    table = next(d.value for d in at.dataframe if "Due (local)" in d.value.columns)
    assert table["Ticket"].tolist() == running["ticket_id"].to_list()  # soonest due first, as the watch orders them
    risky = watch.at_risk(found.clocks, 0.75)
    assert metric(at, "Past 75% of target").value == f"{risky.height:,}"
    assert metric(at, "Paused now").value == f"{found.clocks['paused'].sum():,}"
    sent = next(d.value for d in at.dataframe if "Rule" in d.value.columns)
    assert sent["Ticket"].tolist() == ["A-318"] and sent["Rule"].tolist() == ["used 75%"]  # Acme's only


def test_a_client_sees_only_its_own_contracts_alerts_even_when_the_link_names_another(app_env, sent_alerts):
    at = open_page("at_risk", user="acme", query={"contract": "Globex Inc"})
    assert not at.exception
    shown = " ".join(str(d.value.to_dict()) for d in at.dataframe)
    assert "G-300" not in shown and "globex" not in shown.lower()
    sent = next(d.value for d in at.dataframe if "Rule" in d.value.columns)
    assert sent["Ticket"].tolist() == ["A-318"]
