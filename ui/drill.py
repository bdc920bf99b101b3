"""Click a chart to see its tickets: a bar, a cell or a month of a chart opens the list of the clocks behind
it (Streamlit's selection events), with the ticket pages one click further and a CSV of the list.

The clocks behind a point come from the engine (``breaches.pareto_clocks``, ``breaches.heatmap_clocks``,
or the frame the chart was drawn from, filtered by the point's period and level); only the choosing is here.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import session, tables
from ui import format as fmt

HINT = "Click a bar, a cell or a point of a chart to list the tickets behind it."


def chart(fig: go.Figure, key: str) -> dict | None:
    """Draw ``fig`` so that a click selects a point; the point clicked (plotly's event data), or None."""
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", [])  # the event is a dict (PlotlyState)
    return dict(points[0]) if points else None


def tickets(point: dict | None, behind: Callable[[dict], tuple[str, pl.DataFrame] | None], zone: str,
            contract: str, name: str) -> None:
    """Under a chart: the clocks behind the clicked ``point`` (``behind(point)`` says what and which), or a hint."""
    found = behind(point) if point is not None else None
    if found is None:
        st.caption(HINT)
        return
    title, frame = found
    with st.container(border=True):
        st.markdown(f"**{fmt.text(title)}**: {frame.height:,} clock{'s' if frame.height != 1 else ''} "
                    f"({', '.join(f'{n} {o}' for o, n in _counts(frame))}). Double-click the chart to clear.")
        if frame.is_empty():
            return
        tables.clock_list(frame, zone)
        session.download_button("Download these tickets as CSV", partial(tables.clocks_csv, frame), f"{name}.csv",
                                "text/csv", contract, key=f"download_{name}")


def _counts(frame: pl.DataFrame) -> list[tuple[str, int]]:
    counts = dict(frame.group_by(pl.col("outcome").cast(pl.String)).len().iter_rows())
    return [(o, counts[o]) for o in ("breached", "met", "pending") if counts.get(o)]
