"""Running the app in AppTest and reading what it shows."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from tests.dashboard.fixture import password

ROOT = Path(__file__).resolve().parents[2]


def sign_in(at: AppTest, name: str, secret: str | None = None) -> AppTest:
    """Fill in the sign-in form and press Sign in (the fixture's password unless ``secret``)."""
    at.text_input(key="signin_username").input(name)
    at.text_input(key="signin_password").input(password(name) if secret is None else secret)
    at.button(key="signin_submit").click().run()
    return at


def open_page(page: str | None = None, user: str | None = "pat", query: dict | None = None, **state) -> AppTest:
    """Run dashboard.py (with ``state`` in session state, ``query`` in the URL), sign in as ``user``
    (the provider unless told; None: stay on the sign-in screen), then switch to ``pages/<page>.py``."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if user is not None:
        sign_in(at, user)
        assert at.session_state["_signed_in"] == user, [e.value for e in at.error]
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


def table(at: AppTest, column: str):
    """The first table on the page with a column of this name (pandas)."""
    found = [t.value for t in at.dataframe if column in t.value.columns]
    assert found, f"no table with a column {column!r}; have {[list(t.value.columns) for t in at.dataframe]}"
    return found[0]


def plain(markdown: str) -> str:
    """Markdown source as it reads on screen with its escapes undone (``fmt.text`` escapes data values)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)
