"""The shape of the clocks frame (docs/engine-api.md): row order, Enum text columns that behave as
text, and policy tables joined through ``keyed_like`` / aggregates made text by ``as_text``."""
from __future__ import annotations

import polars as pl
import pytest

from slametrics import whatif
from slametrics.clock import ENUM_COLUMNS, as_text, evaluate_clocks, keyed_like
from slametrics.compliance import compliance
from slametrics.db import connect
from slametrics.policy import load_policy
from slametrics.scope import EVERYTHING
from tests.dashboard.fixture import AS_OF, write_fixture


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    db, policy_path = write_fixture(tmp_path_factory.mktemp("frame"))
    policy = load_policy(policy_path)
    con = connect(db, read_only=True)
    stored_order = con.sql("SELECT ticket_id FROM tickets ORDER BY tkey").pl()["ticket_id"].to_list()
    yield policy, evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING), stored_order
    con.close()


def test_rows_come_per_service_level_in_policy_order_tickets_in_stored_order(stored):
    policy, clocks, stored_order = stored
    levels = [(c.key, name) for c in policy.contracts.values() for name in c.service_levels]
    blocks = clocks.select("contract", "service_level").with_columns(pl.all().cast(pl.String)).rows()
    assert list(dict.fromkeys(blocks)) == levels  # each level one block, in the policy's order
    place = {ticket: i for i, ticket in enumerate(stored_order)}
    for contract, level in levels:
        ids = clocks.filter((pl.col("contract") == contract) & (pl.col("service_level") == level))["ticket_id"]
        assert ids.len() > 0
        assert [place[t] for t in ids] == sorted(place[t] for t in ids)


def test_text_columns_are_enums_with_sorted_categories_that_sort_as_text(stored):
    _, clocks, _ = stored
    for name in ENUM_COLUMNS:
        dtype = clocks.schema[name]
        assert isinstance(dtype, pl.Enum), name
        categories = dtype.categories.to_list()
        assert categories == sorted(categories), name
        assert set(clocks[name].drop_nulls().unique().to_list()) <= set(categories)
        text = clocks[name].cast(pl.String)
        assert clocks[name].sort(nulls_last=True).cast(pl.String).to_list() == text.sort(nulls_last=True).to_list()
    assert clocks.schema["outcome"].categories.to_list() == ["breached", "met", "pending"]


def test_an_unknown_value_matches_nothing_instead_of_failing(stored):
    _, clocks, _ = stored
    assert clocks.filter(pl.col("client") == "No Such Client").height == 0
    assert clocks.filter(pl.col("agent").is_in(["No Such Agent", "'; DROP TABLE tickets"])).height == 0


def test_aggregates_have_text_keys(stored):
    policy, clocks, _ = stored
    levels = compliance(clocks, policy, by=["priority", "agent"])
    for name in ("period", "contract", "service_level", "priority", "agent"):
        assert levels.schema[name] == pl.String, name
    assert as_text(clocks).schema["client"] == pl.String


def test_a_policy_table_with_keys_no_clock_has_still_joins(stored):
    policy, clocks, _ = stored
    table = pl.DataFrame({"contract": ["acme", "nobody"], "priority": ["P1", "P7"], "x": [1, 2]})
    keyed = keyed_like(table, clocks)
    assert keyed.schema["contract"] == clocks.schema["contract"]
    assert keyed["contract"].to_list() == ["acme", None]  # not in the clocks: matches no clock
    joined = clocks.join(keyed, on=["contract", "priority"], how="inner")
    assert joined.height == clocks.filter((pl.col("contract") == "acme") & (pl.col("priority") == "P1")).height
    # a scenario that adds a priority no ticket has: retarget keeps every clock it still targets
    amended = whatif.amend(policy, "acme", targets={"response": {"P1": 1800, "P2": 7200, "P7": 60}})
    again = whatif.retarget(clocks, amended)
    assert again.height == clocks.height and again.schema == clocks.schema


def test_ticket_ids_are_matched_by_key_when_the_two_reads_come_in_different_orders():
    from slametrics.clock import _ids_in_order

    tkey = pl.Series("tkey", [5, 3, 9, 1], dtype=pl.Int64)
    ids = pl.DataFrame({"tkey": [1, 3, 5, 9], "ticket_id": ["A-1", "A-3", "A-5", "A-9"]})
    assert _ids_in_order(ids, tkey).to_list() == ["A-5", "A-3", "A-9", "A-1"]
    same = ids.sort("tkey", descending=True)
    assert _ids_in_order(same, same["tkey"]).to_list() == ["A-9", "A-5", "A-3", "A-1"]


def test_a_connection_that_may_reorder_results_gets_the_same_clocks(tmp_path):
    db, policy_path = write_fixture(tmp_path)
    policy = load_policy(policy_path)
    con = connect(db, read_only=True)
    try:
        ordered = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
        con.execute("SET preserve_insertion_order = false")
        loose = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    finally:
        con.close()
    key = ["contract", "service_level", "ticket_id"]
    assert loose.sort(key).equals(ordered.sort(key))
