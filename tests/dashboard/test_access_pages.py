"""Sign-in and scope in the running app (AppTest on the fixture: users pat, ann, acme, globex of
tests/dashboard/fixture.py).

As the client acme, no page shows anything of Globex or of the uncovered client Initech: not in
any text, table cell, chart, option or download, also with a link naming Globex's contract and with
Globex's names put into every filter. Roles decide the pages; sign-in failures are limited and every
sign-in, failure, sign-out and download is in the audit log.
"""
from __future__ import annotations

import json
import os
import re

import polars as pl
import pytest

from slametrics import access as acc
from slametrics.audit import read_audit
from tests.dashboard.fixture import USERS, password
from tests.dashboard.helpers import figure, metric, open_page, plain, sign_in

#: what of Globex and Initech could show: names, the contract key, ticket ids (G-101, I-0), its teams'
#: names are shared with Acme's in the fixture, so they prove nothing and are not listed
OTHERS = re.compile(r"globex|initech|\bG-\d|\bI-\d", re.IGNORECASE)
CLIENT_PAGES = [None, "trends", "breaches", "credits", "review", "whatif", "policy"]


def audit_log() -> pl.DataFrame:
    return read_audit(os.environ["SLA_AUDIT"])


@pytest.fixture
def access_file(app_env):
    """The fixture's access file, to be changed by a test and put back after it."""
    path = app_env[0].parent / "access.yaml"
    kept = path.read_text()
    yield path
    path.write_text(kept)


def assert_signed_out(at) -> None:
    assert "_signed_in" not in at.session_state and not at.metric
    assert [t.label for t in at.text_input] == ["Username", "Password"]


def shown_report(at) -> str:
    """The review's page as the page's frame shows it (a data: URL)."""
    import base64

    (frame,) = at.get("iframe")
    src = frame.proto.src if hasattr(frame, "proto") else frame.src
    return base64.b64decode(src.split(",", 1)[1]).decode("utf-8")


def everything_shown(at) -> str:
    """Every text, option, table cell and chart of the page, as one string."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "text", "code", "badge"):
        parts += [str(getattr(e, "value", "")) for e in at.get(kind)]
    for m in at.metric:
        parts += [m.label, str(m.value), str(m.delta), m.proto.help]
    for w in list(at.selectbox) + list(at.multiselect) + list(at.get("pills")) + list(at.get("segmented_control")):
        parts += [str(o) for o in getattr(w, "options", [])] + [str(w.value)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for chart in at.get("plotly_chart"):
        parts.append(chart.proto.spec)
    return "\n".join(parts)


@pytest.mark.parametrize("page", CLIENT_PAGES)
def test_a_client_sees_nothing_of_another_client_on_any_page_or_download(app_env, downloads, page):
    at = open_page(page, user="acme")
    shown = everything_shown(at)
    assert "Acme Corp" in shown  # the page drew its figures
    assert not OTHERS.findall(shown), sorted(set(OTHERS.findall(shown)))
    for name, content in downloads:
        assert not OTHERS.findall(content), (name, sorted(set(OTHERS.findall(content))))
    if page in ("breaches", "whatif", "review"):
        assert downloads, "the page offers its download"
    if page == "review":  # the report on screen, and in each of its three files, is Acme's
        assert sorted(n for n, _ in downloads) == ["review-acme-2026-Q1.html", "review-acme-2026-Q1.pdf",
                                                  "review-acme-2026-Q1.pptx"]
        assert all("Acme Corp" in content for _, content in downloads)
        assert "Acme Corp" in shown_report(at) and not OTHERS.findall(shown_report(at))


@pytest.mark.parametrize("page", CLIENT_PAGES)
def test_a_link_naming_another_contract_and_its_names_in_every_filter_widen_nothing(app_env, downloads, page):
    hostile = {"contract": "Globex Inc", "team": "Globex", "category": "Initech", "channel": "G-101",
               "priority": "P1"}
    at = open_page(page, user="acme", query=hostile, team=["Globex"], agent=["Initech"])
    shown = everything_shown(at)
    assert at.selectbox(key="contract").options == ["Acme Corp"]
    assert any("not among yours; showing Acme Corp" in w.value for w in at.sidebar.warning)
    assert not OTHERS.findall(shown), sorted(set(OTHERS.findall(shown)))
    for name, content in downloads:
        assert not OTHERS.findall(content), name


def test_a_clients_figures_are_those_of_its_contract_alone(app_env, engine):
    _, _, levels, _ = engine
    at = open_page("trends", user="globex")
    spec = figure(at, "Response: tickets within target")
    expected = levels.filter((pl.col("contract") == "globex") & (pl.col("service_level") == "response")).sort("period")
    assert spec["data"][0]["y"] == pytest.approx(expected["compliance"].to_list())
    at.switch_page("pages/credits.py").run()
    table = at.dataframe[0].value
    assert list(table.columns) == ["Month", "Globex Inc"]  # the comparison across contracts shows its own only
    assert table[table["Month"] == "Mar 2026"]["Globex Inc"].tolist() == ["$150.00"]


def test_a_client_has_no_data_page_and_what_if_only_where_allowed(app_env):
    at = open_page(user="globex")
    for page in ("data", "whatif"):  # not in the navigation: a link to them shows the first page
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")
    at = open_page("whatif", user="acme")  # acme's entry allows it
    assert at.title[0].value == "What-if" and not at.error


def test_a_changed_role_takes_effect_at_the_users_next_step(access_file):
    at = open_page("data", user="pat")
    assert at.get("file_uploader")
    access = acc.load_access(access_file, None)
    pat = access.users["pat"]
    acc.write_access(acc.with_user(access, acc.replace(pat, role="analyst")), access_file)
    at.run()  # still on the Data page, which an analyst reads, but without the upload
    assert metric(at, "Tickets").value == "83" and not at.get("file_uploader")
    acc.write_access(acc.with_user(access, acc.replace(pat, role="client", contracts=("globex",))), access_file)
    at.run()  # a client has no Data page: the first page of its own contract instead
    assert at.title[0].value == "Globex Inc: March 2026" and not any(m.label == "Tickets" for m in at.metric)
    assert at.selectbox(key="contract").options == ["Globex Inc"]


def test_an_analyst_reads_every_contract_but_cannot_upload_or_read_the_audit_log(app_env):
    at = open_page("data", user="ann")
    assert metric(at, "Tickets").value == f"{60 + 18 + 3 + 2:,}"
    assert not at.get("file_uploader") and not at.get("download_button")
    assert any("Loading tickets is for the provider" in c.value for c in at.caption)
    assert at.selectbox(key="contract").options == ["Acme Corp", "Globex Inc"]


def test_the_provider_uploads_and_reads_the_audit_log(app_env):
    at = open_page("data", user="pat")
    assert at.get("file_uploader")
    assert at.selectbox(key="contract").options == ["Acme Corp", "Globex Inc"]
    log = [t.value for t in at.dataframe if "What" in t.value.columns][0]
    assert log.iloc[0][["User", "What", "Detail"]].tolist() == ["pat", "signed in", "password"]


def test_a_wrong_password_or_an_unknown_name_is_refused_alike_and_written_down(app_env):
    at = open_page(user=None)
    sign_in(at, "acme", "not-the-password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert "_signed_in" not in at.session_state and not at.metric
    sign_in(at, "nobody", "whatever-it-is")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    log = audit_log()
    assert log.head(2).select("user", "event").rows() == [("nobody", "sign_in_failed"), ("acme", "sign_in_failed")]


def test_after_five_failures_the_name_waits_even_with_the_right_password(app_env):
    at = open_page(user=None)
    for _ in range(5):
        sign_in(at, "globex", "guess-guess")
    sign_in(at, "globex")  # the right password, too soon
    assert "Too many failed sign-ins for this user name. Try again in 10 minutes." in [e.value for e in at.error]
    assert "_signed_in" not in at.session_state
    sign_in(at, "acme")  # another name is not held up
    assert at.session_state["_signed_in"] == "acme"
    events = audit_log().filter(pl.col("user") == "globex")["event"].to_list()
    assert events == ["sign_in_refused"] + ["sign_in_failed"] * 5


def test_signing_out_shows_the_sign_in_screen_and_is_written_down(app_env):
    at = open_page(user="pat")
    assert plain(at.sidebar.markdown[0].value).startswith("**Pat (provider)**")
    at.button(key="sign_out").click().run()
    assert "_signed_in" not in at.session_state
    assert [t.label for t in at.text_input] == ["Username", "Password"] and not at.metric
    assert [s.value for s in at.success] == ["You have signed out."]
    at.switch_page("pages/credits.py").run()
    assert not at.dataframe and [t.label for t in at.text_input] == ["Username", "Password"]
    assert audit_log()["event"].to_list()[:2] == ["sign_out", "sign_in"]


def test_a_download_is_written_down_with_who_what_and_which_contract(app_env):
    at = open_page("breaches", user="acme")
    at.get("download_button")[0].click().run()
    entry = audit_log().row(0, named=True)
    assert (entry["user"], entry["event"], entry["contract"]) == ("acme", "download", "acme")
    assert entry["detail"] == "breaches-acme-2026-01-to-2026-03.csv"


def test_an_identity_provider_sign_in_maps_the_email_to_a_user(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.helpers import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": "Globex@Example.com"}
    at.run()
    assert not at.exception and at.session_state["_signed_in"] == "globex"
    assert at.selectbox(key="contract").options == ["Globex Inc"]
    stranger = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    stranger.user = {"is_logged_in": True, "email": "someone@else.example"}
    stranger.run()
    assert "_signed_in" not in stranger.session_state
    assert any("its e-mail has no access to this dashboard" in e.value for e in stranger.error)
    assert not stranger.metric and not stranger.get("plotly_chart")


def test_a_user_removed_from_the_access_file_is_signed_out_at_the_next_step(access_file):
    at = open_page(user="acme")
    acc.write_access(acc.without_user(acc.load_access(access_file, None), "acme"), access_file)
    at.run()
    assert_signed_out(at)


def test_a_broken_access_file_lets_nobody_in_and_names_no_user_on_screen(app_env, tmp_path, monkeypatch):
    broken = tmp_path / "access.yaml"
    broken.write_text((app_env[0].parent / "access.yaml").read_text().replace("role: client", "role: owner", 1))
    monkeypatch.setenv("SLA_ACCESS", str(broken))
    at = open_page(user=None)
    message = at.error[0].value
    assert "cannot be used (1 problem)" in message and "users check" in message
    assert "owner" not in message and "users." not in message and not at.text_input
    monkeypatch.setenv("SLA_ACCESS", str(tmp_path / "none.yaml"))
    at = open_page(user=None)
    assert "there is no access file" in at.error[0].value and "users add NAME --role provider" in at.error[0].value


def test_the_fixture_passwords_are_what_the_access_file_holds(app_env):
    users = acc.load_access(app_env[0].parent / "access.yaml", None).users
    assert all(acc.verify(users[n], password(n)) for n in USERS)
    assert json.dumps(sorted(users)) == json.dumps(sorted(USERS))


def test_a_new_cookie_key_ends_every_open_session(access_file):
    at = open_page(user="acme")
    acc.write_access(acc.replace(acc.load_access(access_file, None), cookie_key="n" * 64), access_file)
    at.run()
    assert_signed_out(at)


def test_a_broken_policy_tells_a_client_nothing_of_other_contracts(app_env, tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text(app_env[1].read_text().replace("calendar: office", "calendar: nowhere"))
    monkeypatch.setenv("SLA_POLICY", str(broken))
    for page in (None, "policy"):
        at = open_page(page, user="acme")
        shown = everything_shown(at) + "\n".join(e.value for e in at.sidebar.error)
        assert "no figures are shown until the provider fixes them" in shown
        assert not OTHERS.findall(shown) and str(broken) not in shown and "nowhere" not in shown
    at = open_page("policy", user="ann")  # the provider's staff see every problem
    assert "contracts.globex.calendar" in "\n".join(plain(m.value) for m in at.markdown)


def test_the_provider_is_warned_while_a_demo_password_still_works(app_env, tmp_path, monkeypatch):
    path = tmp_path / "access.yaml"
    access = acc.load_access(app_env[0].parent / "access.yaml", None)
    pat = acc.replace(access.users["pat"], password_hash=acc.hash_password("demo-pat", rounds=4))
    acc.write_access(acc.with_user(access, pat), path)
    monkeypatch.setenv("SLA_ACCESS", str(path))
    at = open_page(user=None)
    sign_in(at, "pat", "demo-pat")
    assert any("pat can still sign in with the published demo password" in w.value for w in at.sidebar.warning)
    at = open_page(user=None)
    sign_in(at, "acme")  # a client is not told
    assert not any("demo password" in w.value for w in at.sidebar.warning)


def test_the_audit_log_hides_resumed_sessions_unless_asked(app_env):
    from slametrics.audit import record

    record(os.environ["SLA_AUDIT"], "acme", "sign_in", detail="session cookie")
    at = open_page("data", user="pat")
    log = [t.value for t in at.dataframe if "What" in t.value.columns][0]
    assert log["Detail"].tolist() == ["password"]  # pat's own sign-in; acme's resumed session hidden
    assert log["Contract"].tolist() == [""]
    at.toggle(key="audit_resumed").set_value(True).run()
    log = [t.value for t in at.dataframe if "What" in t.value.columns][0]
    assert log["Detail"].tolist() == ["password", "session cookie"]


def test_signing_out_ends_the_users_other_sessions_too(app_env):
    first, second = open_page(user="acme"), open_page(user="acme")
    other = open_page(user="globex")
    first.button(key="sign_out").click().run()
    second.run()
    assert "_signed_in" not in second.session_state and not second.metric  # another tab of acme's: out too
    other.run()
    assert other.session_state["_signed_in"] == "globex"  # another user is not touched
    again = open_page(user="acme")  # signing in anew works
    assert again.session_state["_signed_in"] == "acme" and again.metric


def test_the_audit_log_keeps_what_was_typed_as_printable_text(app_env):
    at = open_page(user=None)
    sign_in(at, "x\x00<img src=y>" + "z" * 40, "whatever-it-is")
    entry = audit_log().row(0, named=True)
    assert entry["event"] == "sign_in_failed" and entry["user"] == "x?<img src=y>" + "z" * 40
    from slametrics.audit import record

    record(os.environ["SLA_AUDIT"], "y" * 100, "sign_in_failed")
    assert audit_log()["user"][0] == "y" * 64


def test_the_session_cookie_is_offered_on_every_run_until_the_browser_has_stored_it(app_env):
    # The cookie library's first component reruns the page once it loads; a component drawn only in the
    # run after sign-in was then removed before it set the cookie (one of three people signing in at once
    # had to sign in again on the next reload).
    at = open_page(user="acme")
    cookie = [c for c in at.get("component_instance") if '"method": "set"' in c.proto.json_args]
    assert cookie and at.session_state["_set_cookie"] is True
    at.run()  # the library's rerun, before the browser answered
    assert at.session_state["_set_cookie"] is True
    assert [c for c in at.get("component_instance") if '"method": "set"' in c.proto.json_args]
    at.session_state["set"] = True  # what the component reports once the browser has the cookie
    at.run()
    assert "_set_cookie" not in at.session_state
    assert not [c for c in at.get("component_instance") if '"method": "set"' in c.proto.json_args]


def test_the_sidebars_months_and_filters_offer_the_chosen_contracts_values_alone(writable_db):
    """The options are found once per set of clocks and contract (ui.data.contract_options): each contract's
    own months, teams, categories and channels, for the provider who switches between them and for a
    client who has one. One Globex ticket of a team, category and channel of its own, in a month of its own."""
    from slametrics.db import connect
    from slametrics.clock import evaluate_clocks
    from slametrics.ingest import ingest_frames
    from slametrics.policy import load_policy
    from slametrics.scope import EVERYTHING
    from tests.dashboard.fixture import AS_OF, tickets_and_events
    from ui import format as fmt

    tickets, _ = tickets_and_events()
    extra = tickets.filter(pl.col("client") == "Globex").head(1).with_columns(
        ticket_id=pl.lit("G-OWN"), team=pl.lit("Field Crew"), category=pl.lit("Turbines"), channel=pl.lit("radio"),
        created_at=pl.lit("2025-12-15T10:00:00Z"), first_response_at=pl.lit("2025-12-15T10:05:00Z"),
        resolved_at=pl.lit("2025-12-15T11:00:00Z"))
    policy = load_policy(os.environ["SLA_POLICY"])
    con = connect(writable_db)
    try:
        ingest_frames(con, extra, source="extra.csv", policy=policy)
        clocks = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    finally:
        con.close()

    def expected(contract: str) -> dict[str, list]:
        mine = clocks.filter(pl.col("contract") == contract)
        found = {c: sorted(mine[c].drop_nulls().unique().cast(pl.String).to_list()) for c in ("team", "category", "channel")}
        return {"period": [fmt.month(p) for p in sorted(mine["period"].unique().cast(pl.String).to_list())], **found}

    def offered(at) -> dict[str, list]:
        return {"period": list(at.select_slider(key="period").options),
                **{c: list(at.multiselect(key=c).options) for c in ("team", "category", "channel")}}

    acme, globex = expected("acme"), expected("globex")
    assert "Field Crew" in globex["team"] and "Field Crew" not in acme["team"] and "Dec 2025" in globex["period"]
    at = open_page("overview", user="pat")
    assert offered(at) == acme
    at.selectbox(key="contract").select("globex").run()
    assert offered(at) == globex
    at = open_page("overview", user="globex")
    assert offered(at) == globex
