"""The charts are built as plain dicts (``ui.charts._Fig``) and made into a plotly figure once: the same
figure, to the last property, as plotly's own figure built by the same calls (``add_trace``,
``update_*``), so ``_Fig`` merges settings as plotly does. (That the builders draw what they drew before
they moved to ``_Fig`` was checked once, on all 47 charts of the fixture's pages as JSON; the pages'
tests check what the charts show.)"""
from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest
import streamlit  # noqa: F401  (first, as the app imports it)

from slametrics import breaches, trends
from ui import charts


class _Plotly(go.Figure):
    """Plotly's figure with ``_Fig``'s constructor: every call goes through plotly itself (the check)."""

    def __init__(self, *traces: dict) -> None:
        super().__init__(data=list(traces))


PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04"]
LEVELS = pl.DataFrame({"period": PERIODS, "compliance": [0.91, None, 0.97, 0.88],
                       "status": ["misses", "insufficient", "meets", "misses"], "met": [9, 0, 30, 7],
                       "breached": [1, 0, 1, 1], "pending": [0, 1, 0, 2], "objective": [0.95, 0.95, 0.9, 0.9]})
MONEY = pl.DataFrame({"period": PERIODS, "credit_amount": [0.0, 100.0, 2500.5, 0.0], "bonus_amount": [50.0, 0.0, 0.0, 10.0],
                      "provisional": [False, False, True, True], "contract": ["acme"] * 4, "credit_rate": [0.0, 0.01, 0.1, 0.0],
                      "currency": ["EUR"] * 4})
COMPARE = pl.DataFrame({"period": PERIODS, "compliance_base": [0.9, 0.8, None, 0.7],
                        "compliance_scenario": [0.95, 0.85, 0.9, None], "credit_amount_base": [0.0, 10.0, None, 5.0],
                        "credit_amount_scenario": [0.0, 0.0, 20.0, None]})

VOLUME = pl.DataFrame({"period": PERIODS, "created": [10, 12, 0, 7], "resolved": [9, 13, 1, 2], "backlog": [1, 0, 0, 5],
                       "rated": [3, 0, 1, 2], "csat": [4.2, None, 5.0, 3.5]})


def _cases(engine) -> dict:
    policy, clocks, levels, _ = engine
    one = levels.filter(pl.col("contract") == "acme")
    first = one["service_level"][0]
    times = trends.durations(clocks.filter(pl.col("contract") == "acme"))
    return {
        "trend, amended objective, tiers": lambda: charts.compliance_trend(
            LEVELS, "first_response", 0.9, tiers=[(0.9, 0.05), (0.8, 0.1), (0.7, 0.2)]),
        "trend by week, outcome level": lambda: charts.compliance_trend(
            LEVELS.with_columns(objective=pl.lit(0.95)), "resolution", 0.95, grain="week", tiers=[(0.85, 0.1)],
            measure="ticket"),
        "trend by quarter": lambda: charts.compliance_trend(
            LEVELS.with_columns(period=pl.Series(["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"])), "x", 0.9, grain="quarter"),
        "trend of the fixture": lambda: charts.compliance_trend(one.filter(pl.col("service_level") == first), first, 0.9),
        "no rows": lambda: charts.compliance_trend(LEVELS.clear(), "resolution", 0.9),
        "durations, median": lambda: charts.duration_chart(times.filter(pl.col("metric") == "resolution"), "resolution",
                                                            "month"),
        "durations, 90th percentile": lambda: charts.duration_chart(times.filter(pl.col("metric") == "first_response"),
                                                                     "first_response", "month", "p90_seconds"),
        "overrun": lambda: charts.overrun_chart(breaches.overrun_bands(clocks), [b for b, _ in breaches.OVERRUN_BANDS]),
        "heatmap": lambda: charts.heatmap_chart(breaches.creation_heatmap(clocks, policy), "Europe/Berlin"),
        "credit rates": lambda: charts.credit_rate_chart(MONEY, {"acme": "Acme Corp"}),
        "owed and earned": lambda: charts.owed_and_earned_chart(MONEY, "EUR"),
        "owed and earned, no currency": lambda: charts.owed_and_earned_chart(MONEY, ""),
        "budget": lambda: charts.budget_chart(pl.DataFrame({"service_level": ["first_response", "resolution"],
                                                            "budget": [5, 0], "breached": [3, 1], "month_passed": [0.4] * 2})),
        "baseline, one objective": lambda: charts.baseline_vs_scenario(COMPARE, "resolution", 0.9, 0.9),
        "baseline, two objectives": lambda: charts.baseline_vs_scenario(COMPARE, "resolution", 0.9, 0.8),
        "credit compare": lambda: charts.credit_compare_chart(COMPARE, "GBP"),
        "volume": lambda: charts.volume_chart(VOLUME, "month"),
        "volume by week": lambda: charts.volume_chart(VOLUME.with_columns(
            period=pl.Series(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"])), "week"),
        "satisfaction": lambda: charts.csat_chart(VOLUME, "month"),
        "working week": lambda: charts.week_chart(pl.DataFrame({"weekday": [0, 1, 4], "start_hour": [8.0, 8.5, 13.0],
                                                                "end_hour": [12.0, 17.25, 18.0]}), "office"),
    }


def test_every_one_plot_chart_is_plotlys_own_figure_property_for_property(engine, monkeypatch):
    cases = _cases(engine)
    fast = {name: make() for name, make in cases.items()}
    assert all(isinstance(f, go.Figure) for f in fast.values())
    assert fast["trend, amended objective, tiers"].layout.title.text == "First response: tickets within target"
    assert [t.name for t in fast["budget"].data] == ["Budget used", "Month passed"]
    monkeypatch.setattr(charts, "_Fig", _Plotly)
    for name, make in cases.items():
        slow = make()
        assert isinstance(slow, _Plotly), name  # the check did go through plotly's calls
        assert json.loads(pio.to_json(fast[name])) == json.loads(pio.to_json(slow)), name
