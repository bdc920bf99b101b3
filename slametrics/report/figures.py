"""The report's static charts (HTML and PDF), drawn with matplotlib as SVG text: no browser, no network.
Figures are made with ``matplotlib.figure.Figure``, never pyplot, whose global state is not safe in the
dashboard's threads (a download is rendered on a thread of its own).

Each function takes a ``Review`` and returns SVG markup (text stays text, so it is crisp in print and
searchable in the PDF). Percentage axes are fixed to a stated range, never auto-scaled: 0-100%, or,
where every value is high, from a round floor below the lowest value (said in the axis label).
"""
from __future__ import annotations

import io
import math

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from slametrics import words
from slametrics.policy import CLOCK_METRICS

GREY, RED, GREEN, AMBER = "#9e9e9e", "#c62828", "#2e7d32", "#f9a825"
INK = "#263238"
matplotlib.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 9, "axes.edgecolor": "#b0bec5", "axes.labelcolor": INK,
    "xtick.color": INK, "ytick.color": INK, "axes.spines.top": False, "axes.spines.right": False,
    "svg.fonttype": "none", "svg.hashsalt": "slametrics",  # text as text; the same file every run
    "axes.titlesize": 10, "axes.titleweight": "bold", "axes.titlelocation": "left", "axes.axisbelow": True,
})


def _svg(fig) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg"):]


def png(svg_maker, review, *args, dpi: int = 200) -> bytes:
    """The same chart as PNG bytes (for the deck, where a picture is needed)."""
    fig = svg_maker(review, *args, figure_only=True)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight")
    return out.getvalue()


def share_floor(values: list[float | None]) -> float:
    """The bottom of a percentage axis: 0, or a round 10 points below the lowest value where all are high."""
    known = [v for v in values if v is not None]
    low = min(known, default=0.0)
    return 0.0 if low < 0.5 else math.floor((low - 0.05) * 10) / 10


def _percent_axis(ax, floor: float) -> None:
    ax.set_ylim(floor, 1.0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.grid(axis="y", color="#eceff1")


def level_trend(review, level: str, figure_only: bool = False):
    """Compliance of one service level over the last four periods, with its objective as a line."""
    rows = review.trend.filter(review.trend["service_level"] == level)
    labels = [words.month(p) for p in rows["period"].to_list()]
    values = rows["compliance"].to_list()
    objective = next(s.objective for s in review.summary if s.name == level)
    fig = Figure(figsize=(4.6, 2.5))
    ax = fig.subplots()
    floor = share_floor(values + [objective])
    colours = [GREY if v is None else (GREEN if v >= objective else RED) for v in values]
    ax.plot(range(len(values)), [v if v is not None else float("nan") for v in values], color=review.settings.accent,
            linewidth=2, zorder=2)
    ax.scatter(range(len(values)), [v if v is not None else floor for v in values], color=colours, s=36, zorder=3)
    ax.axhline(objective, color=INK, linestyle="--", linewidth=1)
    ax.annotate(f"objective {words.percent(objective)}", xy=(1, objective), xycoords=("axes fraction", "data"),
                va="bottom", ha="right", fontsize=8, color=INK)
    ax.set_xlim(-0.5, max(len(values), 4) - 0.5)  # four places, filled from the left where history is shorter
    for i, v in enumerate(values):
        if v is not None:
            ax.annotate(words.percent(v), (i, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xticks(range(len(labels)), labels)
    _percent_axis(ax, floor)
    metric = next(s.metric for s in review.summary if s.name == level)
    ax.set_ylabel(words.share_name("clock" if metric in CLOCK_METRICS else "ticket")
                  + (f" (axis from {floor:.0%})" if floor else ""))
    ax.set_title(f"{words.level(level)}: the last four {_plural(review)}")
    return fig if figure_only else _svg(fig)


def _plural(review) -> str:
    return "quarters" if "Q" in review.period else "years" if len(review.period) == 4 else "months"


def volume(review, figure_only: bool = False):
    """Tickets created and resolved per month, side by side."""
    frame = review.volume
    x = list(range(frame.height))
    fig = Figure(figsize=(4.6, 1.9))
    ax = fig.subplots()
    ax.bar([i - 0.2 for i in x], frame["created"].to_list(), width=0.4, color="#90caf9", label="Opened")
    ax.bar([i + 0.2 for i in x], frame["resolved"].to_list(), width=0.4, color=review.settings.accent, label="Resolved")
    ax.set_xticks(x, [words.month(p) for p in frame["period"].to_list()])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#eceff1")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8)
    ax.set_title("Tickets opened and resolved per month")
    return fig if figure_only else _svg(fig)


def bars(review, frame, label: str, value: str, title: str, colour: str | None = None, figure_only: bool = False):
    """Horizontal bars, largest at the top."""
    labels, values = [str(v) for v in frame[label].to_list()], frame[value].to_list()
    fig = Figure(figsize=(4.6, max(1.2, 0.2 * len(labels) + 0.55)))
    ax = fig.subplots()
    ax.barh(range(len(labels)), values, color=colour or review.settings.accent)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", color="#eceff1")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,}", va="center", fontsize=8)
    ax.set_title(title)
    return fig if figure_only else _svg(fig)


def pareto(review, frame, column: str, title: str, figure_only: bool = False):
    """Breaches per value, most first, with the cumulative share on a 0-100% axis."""
    labels = [str(v) for v in frame[column].to_list()]
    fig = Figure(figsize=(4.6, 2.7))
    ax = fig.subplots()
    ax.bar(range(len(labels)), frame["breaches"].to_list(), color=RED)
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right", fontsize=7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Breaches")
    right = ax.twinx()
    right.plot(range(len(labels)), frame["cumulative_share"].to_list(), color=INK, marker="o", markersize=3)
    right.set_ylim(0, 1.0)
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    right.spines["right"].set_visible(True)
    right.set_ylabel("Share of all breaches")
    ax.set_title(title)
    return fig if figure_only else _svg(fig)


def heatmap(review, figure_only: bool = False):
    """Breaches by weekday and hour of creation, in the contract's time zone."""
    frame = review.heatmap
    grid = [[0] * 24 for _ in range(7)]
    for r in frame.iter_rows(named=True):
        grid[r["weekday"]][r["hour"]] = r["breaches"]
    fig = Figure(figsize=(9.4, 1.8))
    ax = fig.subplots()
    image = ax.imshow(grid, aspect="auto", cmap="Reds", vmin=0)
    ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01)
    bar.set_label("Breaches")
    ax.set_title(f"When breached tickets were opened ({review.zone} time)")
    return fig if figure_only else _svg(fig)


def csat(review, figure_only: bool = False):
    """Average rating (1-5) per month, and the share of 4-5 ratings."""
    frame = review.csat.filter(review.csat["rated"] > 0)
    x = list(range(frame.height))
    fig = Figure(figsize=(4.6, 2.5))
    ax = fig.subplots()
    ax.bar(x, frame["csat"].to_list(), color="#00838f", width=0.5)
    ax.set_ylim(1, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_ylabel("Average rating (1-5)")
    for i, v in enumerate(frame["csat"].to_list()):
        ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [words.month(p) for p in frame["period"].to_list()])
    ax.grid(axis="y", color="#eceff1")
    ax.set_title("Customer satisfaction per month")
    return fig if figure_only else _svg(fig)


def credit_months(review, figure_only: bool = False):
    """The credit of each month, in the contract's currency."""
    frame = review.statement_months
    x = list(range(frame.height))
    amounts = [a or 0 for a in frame["credit_amount"].to_list()]
    fig = Figure(figsize=(4.6, 2.3))
    ax = fig.subplots()
    ax.bar(x, amounts, color=[RED if a > 0 else GREY for a in amounts], width=0.5)
    ax.set_xticks(x, [words.month(p) for p in frame["period"].to_list()])
    for i, a in enumerate(amounts):
        ax.text(i, a, words.money(a, review.currency), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, max(amounts + [1]) * 1.25)
    ax.set_ylabel(f"Credit ({review.currency or ''})")
    ax.grid(axis="y", color="#eceff1")
    ax.set_title("Service credit per month")
    return fig if figure_only else _svg(fig)
