"""Telling people (docs/semantics.md §11): each alert once, by webhook and e-mail, remembered in
``alerts_sent``.

An alert is sent once per clock and rule family (``used``: 75% -> 90% -> breached; ``due``) and again
only when it escalates to a higher rank; a service level's budget and burn-rate alerts once per month.
What was sent is kept in the ``alerts_sent`` table of a small database beside the history
(``sla.alerts.duckdb`` next to ``sla.duckdb``), so that a check never rewrites the history itself. A
notifier that fails is retried with back-off and logged, and never stops the check; an alert that no
notifier took is not recorded, so the next check tries it again.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import time
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from slametrics import words
from slametrics.alerts import Alerts, Email, Webhook
from slametrics.errors import DataError

LOG = logging.getLogger("slametrics.notify")
KEYS = ["contract", "service_level", "ticket_id", "family", "period"]
SENT_SCHEMA = """CREATE TABLE IF NOT EXISTS alerts_sent (
    contract VARCHAR NOT NULL, service_level VARCHAR NOT NULL,
    ticket_id VARCHAR,      -- the clock's ticket; NULL on a service level's budget alerts
    family VARCHAR NOT NULL, -- used (75% -> 90% -> breached), due, budget or burn
    period VARCHAR,          -- the month of a budget alert (a clock's alerts hold whatever its month)
    rule VARCHAR NOT NULL, rank INTEGER NOT NULL, sent_at TIMESTAMPTZ NOT NULL, sent_by VARCHAR NOT NULL)"""


def store_path(db: str | Path) -> Path:
    """Where the alerts sent are kept: beside the database (``data/sla.duckdb`` -> ``data/sla.alerts.duckdb``)."""
    db = Path(db)
    return db.with_name(db.stem + ".alerts.duckdb")


def _key(frame: pl.DataFrame) -> pl.DataFrame:
    """The identity an alert is sent once by: a clock's ticket (whatever its month), a level's month."""
    clock = pl.col("family").is_in(["used", "due"])
    return frame.with_columns(period=pl.when(clock).then(pl.lit(None, pl.String)).otherwise(pl.col("period")),
                              ticket_id=pl.col("ticket_id").fill_null(""))


SENT_COLUMNS = {"contract": pl.String, "service_level": pl.String, "ticket_id": pl.String, "family": pl.String,
                "period": pl.String, "rule": pl.String, "rank": pl.Int32, "sent_at": pl.Datetime("us", "UTC"),
                "sent_by": pl.String}


def _problem(path: object, exc: Exception, doing: str) -> DataError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return DataError(f"{path}: the alerts sent cannot be {doing} ({first}); move the file aside to start it afresh")


def open_store(path: str | Path) -> duckdb.DuckDBPyConnection:
    """The store of alerts sent, open for writing (made where missing). A check opens it before it sends
    anything, so an alert is never sent without being remembered. Raises ``DataError`` where it cannot."""
    try:
        con = duckdb.connect(str(path))
        con.execute(SENT_SCHEMA)
        return con
    except duckdb.Error as exc:
        raise _problem(path, exc, "written") from None


def sent(source: str | Path | duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every alert sent so far, newest first (empty where none was); ``source`` the store's path or an open
    store. Raises ``DataError`` where the file is not such a store."""
    if not isinstance(source, duckdb.DuckDBPyConnection):
        path = Path(source)
        if not path.exists():
            return pl.DataFrame(schema=SENT_COLUMNS)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise _problem(path, exc, "read") from None
        try:
            return sent(con)
        finally:
            con.close()
    try:
        return source.sql("SELECT * FROM alerts_sent ORDER BY sent_at DESC").pl().cast(SENT_COLUMNS)
    except duckdb.Error as exc:
        raise _problem("the alerts store", exc, "read") from None


def new_alerts(fired: pl.DataFrame, source: str | Path | duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The rows of ``fired`` not sent before at their rank or higher."""
    before = sent(source)
    if before.is_empty():
        return fired
    highest = _key(before).group_by(KEYS).agg(_sent=pl.col("rank").max().cast(pl.Int64))
    keyed = _key(fired.with_row_index("_row")).join(highest, on=KEYS, how="left", nulls_equal=True)
    fresh = keyed.filter(pl.col("_sent").is_null() | (pl.col("rank") > pl.col("_sent")))["_row"]
    return fired.with_row_index("_row").filter(pl.col("_row").is_in(fresh.implode())).drop("_row")


def record(rows: pl.DataFrame, store: str | Path | duckdb.DuckDBPyConnection, sent_by: str, at: dt.datetime) -> None:
    """Remember ``rows`` as sent by ``sent_by`` (a notifier's name) at ``at``, in an open store or its file."""
    if rows.is_empty():
        return
    con = store if isinstance(store, duckdb.DuckDBPyConnection) else open_store(store)
    try:
        keyed = _key(rows).select("contract", "service_level", "ticket_id", "family", "period", "rule",
                                  pl.col("rank").cast(pl.Int32), sent_at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
                                  sent_by=pl.lit(sent_by))
        con.register("new_rows", keyed.to_arrow())
        con.execute("INSERT INTO alerts_sent SELECT * FROM new_rows")
        con.unregister("new_rows")
    finally:
        if con is not store:
            con.close()


def text(row: dict, names: dict[str, str]) -> str:
    """The one line a person reads: 'Acme Group · Response · T-1: used 90% of its target, 25m of business time
    left, due 2026-10-31 15:30 UTC'."""
    head = f"{names.get(row['contract'], row['contract'])} · {words.level(row['service_level'])}"
    if row["ticket_id"]:
        left = row["business_seconds_left"]
        state = (f"{words.duration(-left)} past its target" if left < 0 else
                 f"{words.duration(left)} of business time left, due {row['due_at']:%Y-%m-%d %H:%M} UTC"
                 if row["due_at"] else f"{words.duration(left)} of business time left")
        return (f"{head} · {row['ticket_id']}: {row['rule']} ({words.percent(row['used_share'])} of its target used"
                f"{', paused' if row['paused'] else ''}), {state}")
    burn = f", burn rate {row['burn_rate']:.2f}" if row["burn_rate"] is not None else ""
    more = row["budget_left"]
    return (f"{head}: {row['rule']}: this month can take {more} more breach{'' if more == 1 else 'es'} and keep the objective"
            if more >= 0 else f"{head}: {row['rule']}: the objective is lost this month ({-more} breaches over)") + burn


def payload(row: dict, names: dict[str, str]) -> dict:
    """The JSON body of a webhook call: the alert's figures, and ``text`` ready to show as it is."""
    out = {k: row[k] for k in ("contract", "service_level", "ticket_id", "rule", "used_share", "business_seconds_left",
                               "paused", "budget_left", "burn_rate")}
    out["due_at"] = row["due_at"].isoformat() if row["due_at"] else None
    out["text"] = text(row, names)
    return out


def _retried(what: str, attempt: Callable[[], None], tries: int, backoff: float) -> bool:
    for i in range(tries):
        try:
            attempt()
            return True
        except Exception as exc:  # a notifier's failure is logged and never stops the check
            LOG.warning("%s failed (attempt %d of %d): %s", what, i + 1, tries, exc)
            if i + 1 < tries:
                time.sleep(backoff * 2 ** i)
    LOG.error("%s gave up after %d attempts", what, tries)
    return False


def post(hook: Webhook, body: dict, timeout: float = 5.0) -> None:
    headers = {"Content-Type": "application/json"}
    if hook.token_env and os.environ.get(hook.token_env):
        headers["Authorization"] = f"Bearer {os.environ[hook.token_env]}"
    request = urllib.request.Request(hook.url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (an address the provider set)
        if response.status >= 300:
            raise OSError(f"HTTP {response.status}")


def mail(target: Email, subject: str, lines: list[str], timeout: float = 20.0) -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, target.sender, ", ".join(target.to)
    message.set_content("\n".join(lines) + "\n")
    with smtplib.SMTP(target.host, target.port, timeout=timeout) as server:
        if target.starttls:
            server.starttls()
        user = os.environ.get(target.user_env or "") if target.user_env else None
        if user:
            server.login(user, os.environ.get(target.password_env or "", ""))
        server.send_message(message)


def deliver(rows: pl.DataFrame, alerts: Alerts, names: dict[str, str], *, tries: int = 3, backoff: float = 1.0
            ) -> dict[str, pl.DataFrame]:
    """Send ``rows`` (new alerts) to each contract's targets: a webhook call per alert, one e-mail per
    contract. Returns, per notifier ('webhook', 'email'), the rows it delivered."""
    done: dict[str, list[dict]] = {"webhook": [], "email": []}
    down: set[str] = set()  # webhooks that failed every try in this check
    for (contract,), mine in rows.partition_by("contract", as_dict=True, maintain_order=True).items():
        targets = alerts.targets(contract)
        listed = mine.to_dicts()
        if targets.webhook:
            for i, row in enumerate(listed):
                if targets.webhook.url in down:  # it gave up on an alert of this check: the rest wait for the next
                    LOG.error("webhook %s is down: %d alerts of %s wait for the next check", targets.webhook.url,
                              len(listed) - i, contract)
                    break
                if _retried(f"webhook {targets.webhook.url} ({row['rule']}, {row['ticket_id'] or row['service_level']})",
                            lambda row=row: post(targets.webhook, payload(row, names)), tries, backoff):
                    done["webhook"].append(row)
                else:
                    down.add(targets.webhook.url)
        if targets.email and listed:
            subject = f"SLA alerts: {names.get(contract, contract)} ({len(listed)})"
            if _retried(f"e-mail to {', '.join(targets.email.to)}",
                        lambda: mail(targets.email, subject, [text(r, names) for r in listed]), tries, backoff):
                done["email"] += listed
    return {k: pl.DataFrame(v, schema=rows.schema) for k, v in done.items()}
