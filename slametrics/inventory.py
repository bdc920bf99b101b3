"""What the database holds, set against the policy: tickets, span, clients, and what no contract covers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from slametrics.db import one
from slametrics.policy import Policy, tables
from slametrics.scope import Scope
from slametrics.sql import statement


@dataclass(frozen=True)
class Holdings:
    """Counts of the stored history and its coverage by the policy.

    clients: client, contract (null where none covers it), tickets, first_created, last_created.
    uncovered_priorities: client, contract, priority, tickets: tickets of covered clients whose
    priority no service level of their contract targets.
    """

    tickets: int
    events: int
    rejects: int
    ingests: int
    first_created: dt.datetime | None
    last_created: dt.datetime | None
    clients: pl.DataFrame
    uncovered_priorities: pl.DataFrame

    @property
    def uncovered_clients(self) -> pl.DataFrame:
        return self.clients.filter(pl.col("contract").is_null())


def coverage(policy: Policy) -> pl.DataFrame:
    """One row per client and priority that gets at least one clock (in any version of its contract's
    terms): client, contract, priority."""
    return tables.coverage(policy)


def holdings(con: duckdb.DuckDBPyConnection, policy: Policy | None, *, scope: Scope) -> Holdings:
    """What is stored of ``scope``, and (with a policy) which clients and priorities get no clock."""
    policy = scope.policy(policy) if policy else None
    cur = con.cursor()
    try:
        counts = one(cur, statement("database_counts"), scope.params())
        pairs = cur.sql(statement("tickets_by_client"), params=scope.params()).pl()
    finally:
        cur.close()
    owners = pl.DataFrame(list((policy.client_contract if policy else {}).items()), orient="row",
                          schema={"client": pl.String, "contract": pl.String})
    clients = (
        pairs.group_by("client").agg(tickets=pl.col("tickets").sum().cast(pl.Int64),
                                     first_created=pl.col("first_created").min(),
                                     last_created=pl.col("last_created").max())
        .join(owners, on="client", how="left")
        .select("client", "contract", "tickets", "first_created", "last_created")
        .sort(pl.col("contract").is_null(), "contract", "client")
    )
    covered = coverage(policy) if policy else pl.DataFrame(schema={"client": pl.String, "contract": pl.String,
                                                                    "priority": pl.String})
    uncovered = (
        pairs.join(owners, on="client", how="inner")
        .join(covered, on=["client", "priority"], how="anti")
        .select("client", "contract", "priority", pl.col("tickets").cast(pl.Int64))
        .sort("contract", "client", "priority")
    )
    return Holdings(tickets=int(counts[0]), events=int(counts[1]), rejects=int(counts[2]), ingests=int(counts[3]),
                    first_created=clients["first_created"].min() if clients.height else None,
                    last_created=clients["last_created"].max() if clients.height else None,
                    clients=clients, uncovered_priorities=uncovered)


def last_activity(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> dt.datetime | None:
    """The latest moment the history of ``scope`` records anything (UTC), or None where it holds nothing."""
    cur = con.cursor()
    try:
        value = cur.sql(statement("last_activity"), params=scope.params()).pl()["last_activity"][0]
    finally:
        cur.close()
    return value
