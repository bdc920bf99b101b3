"""The dashboard's clock tables hand Streamlit text, not the clocks' Enum columns.

Above 150,000 rows Streamlit keeps a table on the server and sorts it with pyarrow when a header is
clicked; pyarrow cannot sort a dictionary (Enum) column, and every cell then reads "Failed to load
data". A breaches list that long is a few months of a 10M-ticket history.
"""
from __future__ import annotations

import polars as pl
import pytest
import streamlit  # noqa: F401  (first: streamlit.dataframe is only importable once streamlit is)

import datetime as dt

from slametrics import breaches, watch
from tests.dashboard.fixture import AS_OF
from ui import format as fmt
from ui import tables


@pytest.fixture
def shown(engine, monkeypatch):
    """What tables.breached and tables.at_risk give st.dataframe, for the fixture's clocks."""
    policy, clocks, _, _ = engine
    captured = []
    monkeypatch.setattr(tables.st, "dataframe", lambda frame, **_: captured.append(frame))
    tables.breached(breaches.breached(clocks), "Europe/Berlin")
    risky = watch.at_risk(watch.clock_state(clocks, pl.DataFrame(schema={"ticket_id": pl.String, "status": pl.String}),
                                            policy, dt.datetime.fromisoformat(AS_OF)), 0.5)
    tables.at_risk(risky, "Europe/Berlin")
    assert [f.height for f in captured] == [breaches.breached(clocks).height, risky.height]
    assert captured[0].height > 0 and captured[1].height > 0
    return captured


def test_clock_tables_show_text_columns(shown):
    for frame in shown:
        coded = [name for name, dtype in frame.schema.items() if isinstance(dtype, (pl.Enum, pl.Categorical))]
        assert coded == [], coded
    assert set(shown[0]["Priority"]) <= {"P1", "P2"}


def test_a_breaches_table_past_streamlits_lazy_threshold_sorts_by_every_column(shown):
    lazy = pytest.importorskip("streamlit.dataframe.lazy_df_source")  # Streamlit's own server-side path
    frame = shown[0]
    big = pl.concat([frame] * (lazy.AUTO_LAZY_ROW_THRESHOLD // frame.height + 1))
    source = lazy.resolve_lazy_source(big, None, is_selection_activated=False)
    assert not isinstance(source, lazy.EagerDataframeFallback)  # the lazy path is the one under test
    for column in ("Ticket", "Month", "Priority", "Team", "Category", "Agent", "Channel"):
        rows = source.load_rows(0, 3, sort=lazy.SortSpec(column=column, descending=True))
        assert rows is not None, column


@pytest.mark.parametrize("typed, seconds", [("1h 30m", 5400), ("1h30m", 5400), ("90m", 5400), ("2h", 7200),
                                            (" 15 M ", 900), ("0m", 0)])
def test_a_duration_is_typed_as_people_write_it(typed, seconds):
    assert fmt.parse_duration(typed) == seconds
    assert fmt.parse_duration(fmt.duration(seconds)) == seconds  # what the box shows reads back


@pytest.mark.parametrize("typed, hint", [("1.5", "a bare number could be hours or minutes"),
                                         ("90", "a bare number could be hours or minutes"),
                                         ("1d", "24 hours or one working day"), ("soon", ""), ("", ""),
                                         ("-1h", ""), ("1h 30", "")])
def test_what_is_no_duration_is_refused_saying_how_to_write_one(typed, hint):
    with pytest.raises(ValueError, match="is not a duration") as caught:
        fmt.parse_duration(typed)
    assert hint in str(caught.value) and "write it as 1h 30m, 45m or 2h" in str(caught.value)


def test_the_tables_durations_read_as_fmt_duration_for_every_whole_number_of_seconds():
    """The column form (polars) against the one-value form, on every edge: signs, under a minute, whole
    hours, minutes under ten, days, and a sweep."""
    import random

    rng = random.Random(5)
    values = [None, 0, 1, 59, 60, 61, 599, 600, 3599, 3600, 3601, 3660, 5400, 86_400, 90_061, 10**12, -1, -59, -60,
              -3600, -5400, *range(-7300, 7300, 7), *(rng.randint(-10**9, 10**9) for _ in range(5000))]
    frame = pl.DataFrame({"elapsed_seconds": values}, schema={"elapsed_seconds": pl.Int64})
    shown = frame.select(tables.duration_text("elapsed_seconds")).to_series().to_list()
    assert shown[:6] == ["–", "0m", "1s", "59s", "1m", "1m"] and shown[9:13] == ["1h", "1h", "1h 01m", "1h 30m"]
    assert shown == [fmt.duration(v) for v in values]


def test_a_ticket_link_quotes_the_id_as_urllib_does():
    from urllib.parse import quote

    ids = ["A-1", "ok_1.2~", "x y", "ä/ö", "a%b", "a+b", "=HYPER(1)", "T\n1", "tail\n", "", "&id=other"]
    for dtype in (pl.String, pl.Categorical, pl.Enum(sorted(set(ids)))):  # the clocks keep some text as codes
        frame = pl.DataFrame({"ticket_id": ids + [None]}, schema={"ticket_id": dtype})
        links = frame.select(tables.ticket_link(frame)).to_series().to_list()
        assert links[:3] == ["ticket?id=A-1", "ticket?id=ok_1.2~", "ticket?id=x%20y"], dtype
        assert links == [f"ticket?id={quote(t, safe='')}" for t in ids] + [None], dtype  # no id, no link
    plain = pl.DataFrame({"ticket_id": ["A-1", "B-2"]})  # none to quote: polars alone
    assert plain.select(tables.ticket_link(plain)).to_series().to_list() == ["ticket?id=A-1", "ticket?id=B-2"]
