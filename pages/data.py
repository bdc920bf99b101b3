"""Data: load tickets and status events through the same ingest as the command line; what the database holds."""
import polars as pl
import streamlit as st

from slametrics import audit
from slametrics.output import spreadsheet_csv
from ui import app, data, session, upload
from ui import format as fmt

AUDIT_EVENTS = {"sign_in": "signed in", "sign_in_failed": "failed to sign in",
                "sign_in_refused": "refused (too many failures)", "sign_out": "signed out", "download": "downloaded"}

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

user = app.user()
app.require(user.sees_data_page, "The Data page")
st.title("Data")
policy = data.policy_state().policy

st.header("What the database holds")
if not data.database_exists():
    st.info(f"No database at `{data.db_path()}` yet: load tickets below to create one.")
else:
    with app.guard():
        held = data.holdings()
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Tickets", f"{held.tickets:,}", border=True)
    k2.metric("Status events", f"{held.events:,}", border=True)
    k3.metric("Clients", f"{held.clients.height:,}", border=True)
    k4.metric("Rejected rows kept", f"{held.rejects:,}", border=True,
              help="Rows refused by an ingest, kept with their reason; each new ingest of the same file replaces them.")
    if held.tickets:
        st.caption(f"Tickets opened from {fmt.moment(held.first_created)} to {fmt.moment(held.last_created)} · "
                   f"database `{data.db_path()}`")
        names = {k: c.name for k, c in policy.contracts.items()} if policy else {}
        st.dataframe(held.clients.select(
            pl.col("client").alias("Client"),
            pl.col("contract").replace_strict(names, default=None, return_dtype=pl.String)
            .fill_null("no contract").alias("Contract"),
            pl.col("tickets").alias("Tickets"),
            pl.col("first_created").dt.date().alias("First ticket"),
            pl.col("last_created").dt.date().alias("Last ticket"),
        ), hide_index=True, width="stretch", column_config={
            "First ticket": st.column_config.DateColumn(format="D MMM YYYY"),
            "Last ticket": st.column_config.DateColumn(format="D MMM YYYY")})
        if policy is None:
            st.warning("The policy file is broken, so coverage cannot be checked: see the Policy page.")
        else:
            uncovered = held.uncovered_clients
            if uncovered.height:
                st.warning(f"{uncovered['tickets'].sum():,} tickets of {uncovered.height} client"
                           f"{'s' if uncovered.height > 1 else ''} that no contract covers: "
                           + ", ".join(f"{fmt.text(r['client'])} ({r['tickets']:,})"
                                       for r in uncovered.iter_rows(named=True))
                           + ". They get no clock.", icon=":material/person_off:")
            if held.uncovered_priorities.height:
                st.warning("Tickets whose priority no service level of their contract targets: "
                           + ", ".join(f"{fmt.text(r['priority'])} of {fmt.text(r['client'])} ({r['tickets']:,})"
                                       for r in held.uncovered_priorities.iter_rows(named=True))
                           + ". They get no clock.", icon=":material/label_off:")
            if not uncovered.height and not held.uncovered_priorities.height:
                st.success("Every stored ticket is covered by a contract and a service level.")

if not user.can_upload:
    st.caption("Loading tickets is for the provider: your account reads the data, and changes nothing.")
    st.stop()

st.header("Load tickets")
FORMATS = {"canonical": "Ticket format (canonical CSV or Parquet)", "servicenow": "ServiceNow incident audit export",
           "eventlog": "Status-change log (process-mining shape) with a mapping", "zendesk": "Zendesk ticket export",
           "jira": "Jira Service Management export", "freshdesk": "Freshdesk ticket export"}
fmt_name = st.selectbox("What you are loading", list(FORMATS), format_func=FORMATS.get, key="up_format")
mapping = client = client_column = None
if fmt_name == "canonical":
    st.markdown("Tickets (and optionally status events) as **CSV** with a header row or **Parquet**, in the columns of "
                "the ticket format: `ticket_id, client, priority, created_at` and optionally `first_response_at, "
                "resolved_at, category, team, agent, channel, csat, reopened`; events `ticket_id, at, status`. "
                "Loading a ticket that is already stored replaces it.")
    left, right = st.columns(2)
    tickets_file = left.file_uploader("Tickets", type=["csv", "parquet", "pq"], key="up_tickets")
    events_file = right.file_uploader("Status events (optional)", type=["csv", "parquet", "pq"], key="up_events")
else:
    st.markdown("The export is turned into tickets and status events by the rules in `docs/imports.md`, then loaded "
                "exactly like the ticket format: rows it cannot use are kept with their line and reason.")
    tickets_file = st.file_uploader("Export file", type=["csv", "gz", "parquet"], key="up_export")
    events_file = None
    left, right = st.columns(2)
    if fmt_name != "servicenow":
        kind = "eventlog" if fmt_name == "eventlog" else "tickets"
        names = upload.shipped_mappings(kind)
        default = names.index(fmt_name) if fmt_name in names else 0
        mapping = left.selectbox("Column mapping (config/mappings/)", names, index=default, key="up_mapping") if names else None
    client = right.text_input("Client of every ticket (where the export has no client column)", key="up_client") or None
    client_column = right.text_input("...or the column that names the client", key="up_client_column") or None
zone = st.selectbox("Time zone of timestamps written without an offset", ["UTC", "Europe/Berlin", "Europe/London",
                    "Europe/Rome", "America/New_York", "America/Chicago", "America/Los_Angeles", "Australia/Sydney",
                    "Asia/Tokyo"], key="up_zone")

chosen = (tickets_file.file_id, events_file.file_id if events_file else None) if tickets_file is not None else None
if chosen is not None and chosen == st.session_state.get("up_loaded"):
    st.caption("These files are loaded (and no longer kept on the server). Choose other files to load more.")
elif tickets_file is not None:
    with app.guard():
        tickets_path = upload.keep(tickets_file.name, tickets_file.getvalue(), "tickets")
        events_path = upload.keep(events_file.name, events_file.getvalue(), "events") if events_file else None
        st.markdown(f"**Preview of {fmt.text(tickets_file.name)}** (first rows as read)")
        st.dataframe(upload.preview(tickets_path, "tickets"), hide_index=True, width="stretch")
        if events_path:
            st.markdown(f"**Preview of {fmt.text(events_file.name)}**")
            st.dataframe(upload.preview(events_path, "events"), hide_index=True, width="stretch")
    if st.button("Load into the database", type="primary", icon=":material/upload:", key="up_load"):
        with st.spinner("Loading ..."), app.guard():
            lines, rejected = upload.ingest(tickets_path, events_path, zone, policy, fmt=fmt_name, mapping=mapping,
                                            client=client, client_column=client_column)
        st.session_state["up_result"] = (tickets_file.name, upload.readable(lines), rejected)
        st.session_state["up_loaded"] = chosen
        st.rerun()  # draw "what the database holds" again from the new data

if "up_result" in st.session_state:
    name, lines, rejected = st.session_state["up_result"]
    st.subheader(f"Ingest of {fmt.text(name)}")
    summary = "\n".join(f"- {fmt.text(line.strip())}" for line in lines)
    if rejected.height:
        st.warning(summary, icon=":material/rule:")
    else:
        st.success(summary, icon=":material/task_alt:")
    if rejected.height:
        st.markdown(f"**Rejected rows ({rejected.height:,})**, with the line of the input and every reason:")
        st.dataframe(rejected.select(pl.col("kind").alias("File"), pl.col("line").alias("Line"),
                                     pl.col("ticket_id").alias("Ticket"), pl.col("reason").alias("Reason"),
                                     pl.col("row_json").alias("Row as read")),
                     hide_index=True, width="stretch")
    else:
        st.caption("No row was rejected.")

if user.sees_audit:
    st.header("Audit log")
    log = audit.read_audit(session.audit_path())
    st.caption(f"Every sign-in, failed or refused sign-in, sign-out and download, newest first: {log.height:,} entries "
               f"in `{session.audit_path()}`.")
    resumed = (pl.col("event") == "sign_in") & (pl.col("detail") == "session cookie")
    if not st.toggle("Also show sessions resumed by the session cookie (each new tab or reload)", key="audit_resumed"):
        log = log.filter(~resumed.fill_null(False))
    if not app.empty(log, "Nothing recorded yet."):
        st.dataframe(log.head(500).select(pl.col("at").alias("When (UTC)"), pl.col("user").alias("User"),
                                          pl.col("event").replace_strict(AUDIT_EVENTS, default=pl.col("event"))
                                          .alias("What"),
                                          pl.col("contract").fill_null("").alias("Contract"),
                                          pl.col("detail").fill_null("").alias("Detail"),
                                          pl.col("address").fill_null("").alias("From")),
                     hide_index=True, width="stretch", column_config={
                         "When (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss")})
        session.download_button("Download the audit log as CSV", spreadsheet_csv(log), "audit-log.csv", "text/csv",
                                None, key="audit_csv")
