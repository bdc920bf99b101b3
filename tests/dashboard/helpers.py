"""Running the app in AppTest and reading what it shows."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(page: str | None = None, **state) -> AppTest:
    """Run dashboard.py (with ``state`` in session state), then switch to ``pages/<page>.py``."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return found[0]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def figure(at: AppTest, title_start: str) -> dict:
    found = [f for f in figures(at) if f["layout"]["title"]["text"].startswith(title_start)]
    assert found, f"no chart titled {title_start!r}; have {[f['layout']['title']['text'] for f in figures(at)]}"
    return found[0]


def level(levels: pl.DataFrame, period: str, contract: str, name: str) -> dict:
    return levels.filter((pl.col("period") == period) & (pl.col("contract") == contract)
                         & (pl.col("service_level") == name)).row(0, named=True)
