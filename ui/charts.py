"""Plotly figures for the pages: titles and axes in a client's words, shares shown as percentages.

Each builder takes a frame the engine computed and only arranges it; no figure is computed here.
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from slametrics import words
from slametrics.periods import months_of
from ui import format as fmt

MET = "#2e7d32"
MISSED = "#c62828"
PENDING = "#9e9e9e"
INK = "#37474f"
BASELINE = "#90a4ae"
SCENARIO = "#1565c0"
SERIES = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#5d4037", "#283593")
BANDS = ("#ffcdd2", "#ef9a9a", "#e57373", "#e53935", "#c62828", "#7f0000")
STATUS_COLOURS = {"meets": MET, "misses": MISSED, "insufficient": PENDING}


def _merge(into: dict, more: dict) -> None:
    """``more`` into ``into``, nested dicts merged key by key, as plotly's ``update`` merges them."""
    for key, value in more.items():
        if isinstance(value, dict):  # copied as it goes in: a later merge never changes the caller's dict
            if not isinstance(into.get(key), dict):
                into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


class _Fig:
    """A figure of one plot (one x and one y axis) as plain dicts, made into a ``go.Figure`` once by
    ``figure()``: with ``add_trace``, ``update_layout``, ``update_xaxes`` and ``update_yaxes`` as plotly
    has them (nested dicts, no magic underscores). Plotly builds a figure property by property at
    ~10 ms a chart, most of a page's time; from one dict it takes ~2 ms, the same figure."""

    def __init__(self, *traces: dict) -> None:
        self.data: list[dict] = list(traces)
        self.layout: dict = {}

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def update_layout(self, **settings) -> None:
        _merge(self.layout, settings)

    def update_xaxes(self, **settings) -> None:
        _merge(self.layout.setdefault("xaxis", {}), settings)

    def update_yaxes(self, **settings) -> None:
        _merge(self.layout.setdefault("yaxis", {}), settings)

    def figure(self) -> go.Figure:
        return go.Figure({"data": self.data, "layout": self.layout})


def _scatter(**settings) -> dict:
    return {"type": "scatter", **settings}


def _bar(**settings) -> dict:
    return {"type": "bar", **settings}


def _style(fig: "_Fig | go.Figure", title: str, x: str | None, y: str | None, height: int = 360) -> go.Figure:
    """Title top left, legend under the plot (never over the title), light grid, axis titles in words."""
    tickformat = fig.layout.xaxis.tickformat if isinstance(fig, go.Figure) else fig.layout.get("xaxis", {}).get("tickformat")
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=16)),
        height=height, margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="top", xanchor="left", x=0, title=dict(text=""),
                    # under the axis: lower where it has a title or labels of two lines (weeks)
                    y=-0.24 if x or "<br>" in (tickformat or "") else -0.14),
        hoverlabel=dict(namelength=-1), plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eceff1", zeroline=False)
    fig.update_layout(xaxis=dict(title=dict(text=x)), yaxis=dict(title=dict(text=y)))
    return fig if isinstance(fig, go.Figure) else fig.figure()


def percent_ticks(high: float, ticks: int = 5) -> dict:
    """Axis settings for shares from 0 to ``high``: a round step (1, 2, 2.5 or 5 times a power of ten) and as
    many decimals as the step needs, so no two tick labels read the same after rounding."""
    import math

    high = max(float(high or 0), 0.01)
    raw = high / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    shown = f"{step * 100:.6f}".rstrip("0").rstrip(".")  # the step in percent, as few decimals as it has
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return dict(tickformat=f".{decimals}%", dtick=step, tick0=0, range=[0, step * math.ceil(round(high / step, 6)) * 1.02])


#: round steps of a duration axis, in seconds: 1m .. 30m, 1h .. 12h, then days of 24 business hours
DURATION_STEPS = [60 * m for m in (1, 2, 5, 10, 15, 30)] + [3600 * h for h in (1, 2, 3, 4, 6, 12, 24, 48, 72, 96, 120,
                                                                               168, 240, 336, 480, 720, 1440)]


def duration_ticks(high: float, ticks: int = 6) -> dict:
    """Axis settings for business time in seconds from 0 to ``high``: ticks at a round duration step,
    labelled as durations ('30m', '1h 30m', '12h'), never as decimal hours."""
    import math

    high = max(float(high or 0), 60.0)
    step = next((s for s in DURATION_STEPS if high / s <= ticks), None)
    if step is None:  # beyond every step: a multiple of the largest
        step = DURATION_STEPS[-1] * math.ceil(high / ticks / DURATION_STEPS[-1])
    top = step * math.ceil(round(high / step, 6))
    values = [step * i for i in range(int(top // step) + 1)]
    return dict(tickmode="array", tickvals=values, ticktext=[fmt.duration(v) for v in values], range=[0, top * 1.04])


def period_of(x: object, grain: str) -> str | None:
    """The period a point of a time axis stands for ('2026-03-01' -> '2026-03'; a week keeps its Monday), or None."""
    text = str(x or "")[:10]
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    if grain == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return f"{day:%Y-%m}" if grain == "month" else f"{day:%Y-%m-%d}"


def _months(periods: Sequence[str]) -> list[dt.date]:
    """Periods as dates on a time axis: a month ('2026-10') is its first day, a week its Monday, a
    quarter ('2026-Q3') its first day."""
    def day(p: str) -> dt.date:
        return dt.date.fromisoformat(p if len(p) == 10 else f"{months_of(p)[0]}-01")
    return [day(p) for p in periods]


def _time_axis(fig: _Fig, grain: str = "month", ticks: int = 6) -> _Fig:
    """Periods on a date axis, a tick on every month (or every 2nd, 3rd, ...: at most ``ticks`` labels)."""
    dates = sorted({x for trace in fig.data for x in ((trace["x"] if "x" in trace else None) or ()) if x is not None})
    step = max(1, -(-len(dates) // ticks))
    fig.update_xaxes(tickangle=0)
    if grain == "month":
        fig.update_xaxes(type="date", tickformat="%b %Y", hoverformat="%B %Y", dtick=f"M{step}",
                         tick0=dates[0] if dates else None)
    elif grain == "quarter":
        fig.update_xaxes(type="date", tickformat="Q%q %Y", hoverformat="Q%q %Y", dtick=f"M{3 * step}",
                         tick0=dates[0] if dates else None)
    else:
        # the day and month over the year: a week's label is as narrow as a month's, so they never overlap
        fig.update_xaxes(type="date", tickformat="%-d %b<br>%Y", hoverformat="week of %-d %b %Y",
                         dtick=7 * 86_400_000 * step, tick0=dates[0] if dates else None)
    return fig


def _level_line(fig: _Fig, x: list, y: float, name: str, colour: str, dash: str, width: float = 1.5) -> None:
    """A horizontal reference (objective, tier) as a legend entry rather than a label over the data."""
    if not x:
        return
    fig.add_trace(_scatter(x=[x[0], x[-1]] if len(x) > 1 else x, y=[y] * min(len(x), 2), mode="lines", name=name,
                             line=dict(color=colour, dash=dash, width=width), hoverinfo="skip"))


def compliance_trend(levels: pl.DataFrame, name: str, objective: float, grain: str = "month",
                     tiers: Sequence[tuple[float, float]] = (), ticks: int = 6, measure: str = "clock") -> go.Figure:
    """Compliance of one service level per period, markers coloured by met/missed, the objective as a line.

    ``levels``: compliance rows of one contract and service level (period, compliance, status, met,
    breached, pending). ``tiers``: (below, credit) pairs drawn as dotted lines.
    """
    rows = levels.sort("period").filter(pl.col("compliance").is_not_null())
    x = _months(rows["period"].to_list())
    fig = _Fig()
    fig.add_trace(_scatter(
        x=x, y=rows["compliance"].to_list(), mode="lines+markers", name=words.share_name(measure),
        line=dict(color=INK, width=2),
        marker=dict(size=9, color=[STATUS_COLOURS[s] for s in rows["status"].to_list()]),
        customdata=list(zip(rows["met"].to_list(), rows["breached"].to_list(), rows["pending"].to_list(),
                            [fmt.STATUSES[s] for s in rows["status"].to_list()])),
        hovertemplate=f"%{{x}}<br>%{{y:.1%}} {words.share_name(measure).lower()}<br>"
                      "%{customdata[0]} met, %{customdata[1]} breached, "
                      "%{customdata[2]} pending<br>%{customdata[3]}<extra></extra>",
    ))
    for status in dict.fromkeys(rows["status"].to_list()):  # what the point colours mean, in the legend
        fig.add_trace(_scatter(x=[None], y=[None], mode="markers", name=fmt.STATUSES[status], hoverinfo="skip",
                                 marker=dict(size=9, color=STATUS_COLOURS[status])))
    at_objective = [credit for below, credit in tiers if below == objective]
    objectives = rows["objective"].to_list() if "objective" in rows.columns else []
    if len(set(objectives)) > 1:  # an amendment changed it: the line steps where the terms did
        fig.add_trace(_scatter(x=x, y=objectives, mode="lines", hoverinfo="skip",
                                 name="Objective (" + " -> ".join(fmt.percent(o) for o in dict.fromkeys(objectives)) + ")",
                                 line=dict(color=MET, dash="dash", width=1.5, shape="hv")))
    else:
        _level_line(fig, x, objective, f"Objective {fmt.percent(objective)}" + (
            f" (below it: {fmt.percent(max(at_objective))} credit)" if at_objective else ""), MET, "dash")
    for i, (below, credit) in enumerate(sorted(t for t in tiers if t[0] != objective)[::-1]):
        _level_line(fig, x, below, f"Below {fmt.percent(below)}: {fmt.percent(credit)} credit",
                    ("#ef6c00", MISSED, "#7f0000")[min(i, 2)], "dot", 1.2)
    low = min([objective, *objectives, *[b for b, _ in tiers], *rows["compliance"].to_list()] or [0.0])
    fig.update_yaxes(tickformat=".0%", range=[max(0.0, low - 0.05), 1.01])
    _time_axis(fig, grain, ticks)
    share = words.share_name(measure)
    what = {"month": f"tickets {share.lower()}", "quarter": f"{share.lower()}, by quarter"}.get(
        grain, f"{share.lower()}, by week")
    return _style(fig, f"{fmt.label(fmt.level(name))}: {what}", None, share)


def volume_chart(vol: pl.DataFrame, grain: str) -> go.Figure:
    """Tickets opened and closed per period (bars) and the backlog still open at each period's end (line)."""
    x = _months(vol["period"].to_list())
    fig = _Fig()
    fig.add_trace(_bar(x=x, y=vol["created"].to_list(), name="Opened", marker=dict(color="#90caf9")))
    fig.add_trace(_bar(x=x, y=vol["resolved"].to_list(), name="Resolved", marker=dict(color="#1565c0")))
    fig.add_trace(_scatter(x=x, y=vol["backlog"].to_list(), name="Still open at period end", mode="lines+markers",
                             line=dict(color="#ef6c00", width=2)))
    fig.update_layout(barmode="group", bargap=0.25)
    _time_axis(fig, grain, ticks=12)
    return _style(fig, "Tickets opened and resolved, and the open backlog", None, "Tickets")


def duration_chart(frame: pl.DataFrame, metric: str, grain: str, statistic: str = "median_seconds") -> go.Figure:
    """Business time per priority and period, the median or the 90th percentile, on an axis of durations."""
    fig = _Fig()
    what = "median" if statistic == "median_seconds" else "9 in 10 within"
    for i, priority in enumerate(sorted(frame["priority"].unique().to_list())):
        rows = frame.filter(pl.col("priority") == priority).sort("period")
        seconds = rows[statistic].to_list()
        fig.add_trace(_scatter(
            x=_months(rows["period"].to_list()), y=seconds, name=fmt.label(priority),
            mode="lines+markers", line=dict(color=SERIES[i % len(SERIES)], width=2), marker=dict(size=6),
            customdata=list(zip([fmt.duration(s) for s in seconds], rows["clocks"].to_list())),
            # data never goes into a template: a value with %{...} in it would be read as one
            hovertemplate=f"%{{fullData.name}}, %{{x}}: {what} %{{customdata[0]}} (%{{customdata[1]}} tickets)"
                          "<extra></extra>"))
    title = {"first_response": "Time to first response", "resolution": "Time to resolve"}.get(
        metric, fmt.METRICS.get(metric, metric))  # only clocks have times (docs/semantics.md §9)
    how = "median" if statistic == "median_seconds" else "90th percentile: 9 in 10 tickets took less"
    fig.update_yaxes(**duration_ticks(max([s for s in frame[statistic].to_list() if s is not None], default=0)))
    _time_axis(fig, grain)
    return _style(fig, f"{title} by priority ({how})", None, "Business time", height=360)


def csat_chart(vol: pl.DataFrame, grain: str) -> go.Figure:
    """Average satisfaction rating (1..5) per period of ticket creation, with how many rated."""
    rows = vol.filter(pl.col("rated") > 0)
    fig = _Fig(_bar(
        x=_months(rows["period"].to_list()), y=rows["csat"].to_list(), marker=dict(color="#00838f"),
        customdata=rows["rated"].to_list(), name="Average rating",
        hovertemplate="%{x}<br>average %{y:.2f} of 5<br>%{customdata} ratings<extra></extra>"))
    fig.update_yaxes(range=[1, 5], dtick=1)
    _time_axis(fig, grain, ticks=12)
    return _style(fig, "Customer satisfaction (average rating, 1 = poor, 5 = excellent)", None, "Average rating",
                  height=320)


def overrun_chart(bands: pl.DataFrame, band_labels: Sequence[str]) -> go.Figure:
    """Breaches per priority, stacked by how far past target they ended (business time)."""
    priorities = sorted(bands["priority"].unique().to_list())
    fig = _Fig()
    for i, label in enumerate(band_labels):
        rows = bands.filter(pl.col("band") == label)
        counts = dict(zip(rows["priority"].to_list(), rows["breaches"].to_list()))
        fig.add_trace(_bar(x=[fmt.label(p) for p in priorities], y=[counts.get(p, 0) for p in priorities], name=label,
                             marker=dict(color=BANDS[i % len(BANDS)]),
                             hovertemplate=f"%{{x}}: %{{y}} breaches {label} late<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_layout(legend=dict(traceorder="normal"))
    return _style(fig, "How late breaches were (business time past target)", None, "Breaches")


def pareto_chart(frame: pl.DataFrame, column: str) -> go.Figure:
    """Breaches per value, most first (bars), and the cumulative share of all breaches (line, right axis)."""
    label = fmt.DIMENSIONS[column]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    names = [fmt.label(n) for n in frame[column].to_list()]
    fig.add_trace(go.Bar(x=names, y=frame["breaches"].to_list(), name="Breaches", marker_color=MISSED,
                         hovertemplate="%{x}: %{y} breaches<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=names, y=frame["cumulative_share"].to_list(), name="Cumulative share",
                             mode="lines+markers", line=dict(color=INK, width=2),
                             hovertemplate="%{x}: %{y:.0%} of all breaches so far<extra></extra>"), secondary_y=True)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.04], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0], secondary_y=True,
                     showgrid=False)  # ends at 100%: a cumulative share never passes it
    fig.update_xaxes(type="category")
    fig = _style(fig, f"Where breaches happen: by {label.lower()}", None, "Breaches")
    fig.update_yaxes(title_text="Share of all breaches", secondary_y=True)
    return fig


def heatmap_chart(grid: pl.DataFrame, zone: str) -> go.Figure:
    """Breaches by weekday and hour the ticket was opened (local time of the contract)."""
    days = grid.select("weekday", "weekday_name").unique().sort("weekday")["weekday_name"].to_list()
    z = [grid.filter(pl.col("weekday") == d).sort("hour")["breaches"].to_list() for d in range(7)]
    hours = [f"{h:02d}:00" for h in range(24)]
    fig = _Fig(dict(type="heatmap",
        z=z, x=hours, y=days, colorscale=[[0, "#fafafa"], [0.15, "#ffcdd2"], [1, "#b71c1c"]],
        colorbar=dict(title=dict(text="Breaches")), xgap=1, ygap=1,
        hovertemplate="%{y} %{x}: %{z} breaches<extra></extra>"))
    fig.update_yaxes(autorange="reversed", gridcolor="white")
    return _style(fig, f"When breached tickets were opened ({zone} time)", "Hour of day", None, height=340)


def credit_rate_chart(totals: pl.DataFrame, names: dict[str, str]) -> go.Figure:
    """Credit per month and contract as a share of the monthly fee; hatched where still provisional."""
    fig = _Fig()
    for i, key in enumerate(sorted(totals["contract"].unique().to_list())):
        rows = totals.filter(pl.col("contract") == key).sort("period")
        fig.add_trace(_bar(
            x=_months(rows["period"].to_list()), y=rows["credit_rate"].to_list(), name=fmt.label(names.get(key, key)),
            marker=dict(color=SERIES[i % len(SERIES)],
                        pattern=dict(shape=["/" if p else "" for p in rows["provisional"].to_list()])),
            customdata=list(zip([fmt.money(a, c) for a, c in zip(rows["credit_amount"].to_list(),
                                                                 rows["currency"].to_list())],
                                ["provisional" if p else "final" for p in rows["provisional"].to_list()])),
            hovertemplate="%{fullData.name}<br>%{x}: %{y:.1%} of the fee = %{customdata[0]} "
                          "(%{customdata[1]})<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(**percent_ticks(max([v for v in totals["credit_rate"].to_list() if v is not None] or [0])))
    _time_axis(fig, ticks=12)
    return _style(fig, "Service credits per month, as a share of each contract's monthly fee", None,
                  "Credit (share of fee)")


def owed_and_earned_chart(months: pl.DataFrame, currency: str) -> go.Figure:
    """One contract's months: the credit it owed (red) beside the bonus it earned (green), in money; the
    two are counted apart and neither offsets the other (docs/semantics.md §8). Hatched where provisional."""
    rows = months.sort("period")
    x = _months(rows["period"].to_list())
    hatch = ["/" if p else "" for p in rows["provisional"].to_list()]
    fig = _Fig()
    for column, name, colour in (("credit_amount", "Credit owed", MISSED), ("bonus_amount", "Bonus earned", MET)):
        values = rows[column].to_list()
        fig.add_trace(_bar(x=x, y=values, name=name, marker=dict(color=colour, pattern=dict(shape=hatch)),
                             customdata=[fmt.money(v, currency) for v in values],
                             hovertemplate=f"{name}<br>%{{x}}: %{{customdata}}<extra></extra>"))
    fig.update_layout(barmode="group")
    symbol = fmt.CURRENCY_SIGNS.get(currency, f"{currency} ") if currency else ""
    fig.update_yaxes(tickprefix=symbol, separatethousands=True, rangemode="tozero")
    _time_axis(fig, ticks=12)
    return _style(fig, "Credit owed and bonus earned per month", None, f"Amount ({currency})" if currency else "Amount")


def budget_chart(months: pl.DataFrame) -> go.Figure:
    """Per service level: the share of this month's breach budget used beside the share of the month passed."""
    rows = months.sort("service_level", descending=True)
    names = [fmt.label(fmt.level(n)) for n in rows["service_level"].to_list()]
    used = [b / a if a else (1.0 if b else 0.0) for a, b in zip(rows["budget"].to_list(), rows["breached"].to_list())]
    fig = _Fig()
    fig.add_trace(_bar(y=names, x=used, orientation="h", name="Budget used",
                         marker=dict(color=[MISSED if u > p else MET for u, p in zip(used, rows["month_passed"].to_list())]),
                         customdata=list(zip(rows["breached"].to_list(), rows["budget"].to_list())),
                         hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} breaches may happen<extra></extra>"))
    fig.add_trace(_scatter(y=names, x=rows["month_passed"].to_list(), mode="markers", name="Month passed",
                             marker=dict(symbol="line-ns-open", size=22, color=INK, line=dict(width=3)),
                             hovertemplate="%{y}: %{x:.0%} of the month passed<extra></extra>"))
    fig.update_xaxes(tickformat=".0%", range=[0, max([1.0, *used]) * 1.05])
    return _style(fig, "Breach budget used, against the month passed", None, None, height=80 + 50 * len(names))


def baseline_vs_scenario(compare: pl.DataFrame, name: str, objective_base: float,
                         objective_scenario: float) -> go.Figure:
    """One service level's compliance per month: baseline (grey, dashed) against the scenario (blue)."""
    rows = compare.sort("period")
    x = _months(rows["period"].to_list())
    fig = _Fig()
    fig.add_trace(_scatter(x=x, y=rows["compliance_base"].to_list(), name="Contract today", mode="lines+markers",
                             line=dict(color=BASELINE, dash="dash", width=2),
                             hovertemplate="%{x}: %{y:.1%} today<extra></extra>"))
    fig.add_trace(_scatter(x=x, y=rows["compliance_scenario"].to_list(), name="Scenario", mode="lines+markers",
                             line=dict(color=SCENARIO, width=2.5),
                             hovertemplate="%{x}: %{y:.1%} in the scenario<extra></extra>"))
    if objective_base != objective_scenario:
        _level_line(fig, x, objective_base, f"Objective today {fmt.percent(objective_base)}", BASELINE, "dot")
        _level_line(fig, x, objective_scenario, f"Objective in scenario {fmt.percent(objective_scenario)}", MET, "dash")
    else:
        _level_line(fig, x, objective_scenario, f"Objective {fmt.percent(objective_scenario)}", MET, "dash")
    values = [v for v in rows["compliance_base"].to_list() + rows["compliance_scenario"].to_list() if v is not None]
    low = min([objective_base, objective_scenario, *values])
    fig.update_yaxes(tickformat=".0%", range=[max(0.0, low - 0.05), 1.01])
    _time_axis(fig)
    return _style(fig, f"{fmt.label(fmt.level(name))}: tickets within target", None, "Within target", height=320)


def credit_compare_chart(compare: pl.DataFrame, currency: str) -> go.Figure:
    """Credit per month: the contract today against the scenario."""
    rows = compare.sort("period")
    x = _months(rows["period"].to_list())
    fig = _Fig()
    fig.add_trace(_bar(x=x, y=rows["credit_amount_base"].fill_null(0).to_list(), name="Contract today",
                         marker=dict(color=BASELINE)))
    fig.add_trace(_bar(x=x, y=rows["credit_amount_scenario"].fill_null(0).to_list(), name="Scenario",
                         marker=dict(color=SCENARIO)))
    fig.update_layout(barmode="group")
    fig.update_yaxes(rangemode="tozero", tickprefix=fmt.CURRENCY_SIGNS.get(currency, currency + " "))
    _time_axis(fig, ticks=12)
    return _style(fig, "Service credit per month: today against the scenario", None, f"Credit ({currency})",
                  height=320)


def week_chart(grid: pl.DataFrame, title: str) -> go.Figure:
    """A calendar's working week: one row per weekday, bars over the local hours that count."""
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    fig = _Fig()
    # an empty bar per day keeps days without working time on the grid
    fig.add_trace(_bar(y=days, x=[0] * 7, orientation="h", hoverinfo="skip", marker=dict(color="rgba(0,0,0,0)")))
    fig.add_trace(_bar(
        y=[days[d] for d in grid["weekday"].to_list()],
        x=(grid["end_hour"] - grid["start_hour"]).to_list(), base=grid["start_hour"].to_list(),
        orientation="h", marker=dict(color="#1565c0"), name="Working time",
        customdata=[f"{int(s):02d}:{int(round(s % 1 * 60)):02d}-{int(e):02d}:{int(round(e % 1 * 60)):02d}"
                    for s, e in zip(grid["start_hour"].to_list(), grid["end_hour"].to_list())],
        hovertemplate="%{y} %{customdata}<extra></extra>", width=0.6))
    fig.update_yaxes(categoryorder="array", categoryarray=days, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[0, 24], dtick=2, tickvals=list(range(0, 25, 2)),
                     ticktext=[f"{h:02d}:00" for h in range(0, 25, 2)], showgrid=True, gridcolor="#eceff1")
    fig.update_layout(showlegend=False, barmode="overlay")
    fig = _style(fig, title, "Local time", None, height=300)
    fig.update_xaxes(showgrid=True, gridcolor="#eceff1")
    return fig


def ticket_timeline(statuses: pl.DataFrame, clocks: list[dict], working: list[tuple[dt.datetime, dt.datetime]],
                    pausing: set[str], marks: list[tuple[str, dt.datetime]], zone: str, title: str) -> go.Figure:
    """One ticket's life in local time: its statuses as spans (pausing ones hatched), a bar per clock from
    creation to its stop (or now) coloured by outcome with a diamond where the target is reached, working
    hours shaded, and the ticket's moments (first response, resolution) as lines.

    ``statuses``: status, start, end (UTC; end null: the span still holds at the window's end).
    ``clocks``: dicts with level, start, end, outcome, due (UTC or None). ``marks``: (label, moment).
    """
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)

    def local(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(tz).replace(tzinfo=None)

    moments = [m for _, m in marks] + [c["end"] for c in clocks] + [c["due"] for c in clocks if c["due"]]
    moments += [s for s in statuses["start"].to_list()] + [e for e in statuses["end"].to_list() if e is not None]
    first, last = min(moments), max(moments)
    pad = max((last - first) * 0.04, dt.timedelta(minutes=30))
    first, last = first - pad, last + pad
    fig = go.Figure()
    rows = ["Status"] + [fmt.label(fmt.level(c["level"])) for c in clocks]
    names = sorted(set(statuses["status"].to_list()))
    palette = {name: SERIES[i % len(SERIES)] for i, name in enumerate(n for n in names if n not in pausing)}
    for name in names:
        part = statuses.filter(pl.col("status") == name)
        starts = part["start"].to_list()
        ends = [e if e is not None else last for e in part["end"].to_list()]
        paused = name in pausing
        fig.add_trace(go.Bar(
            y=["Status"] * len(starts), base=[local(s) for s in starts],
            x=[(e - s).total_seconds() * 1000 for s, e in zip(starts, ends)], orientation="h",
            name=fmt.label(name) + (" (clock paused)" if paused else ""),
            marker=dict(color="#eceff1" if paused else palette[name], line=dict(color=INK, width=0.5),
                        pattern=dict(shape="/", fgcolor=BASELINE) if paused else None),
            hoverinfo="name", legendgroup="status"))
    colours = {"met": MET, "breached": MISSED, "pending": PENDING}
    shown: set[str] = set()
    for clock, row in zip(clocks, rows[1:]):
        parts = [(clock["start"], clock["end"], clock["outcome"])]
        if clock["outcome"] == "breached" and clock["due"] is not None and clock["start"] < clock["due"] < clock["end"]:
            parts = [(clock["start"], clock["due"], "within target"), (clock["due"], clock["end"], "breached")]
        for start, end, what in parts:
            fig.add_trace(go.Bar(
                y=[row], base=[local(start)], x=[(end - start).total_seconds() * 1000], orientation="h",
                marker=dict(color=colours.get(what, BASELINE), opacity=0.8), width=0.45,
                name="clock: " + ("past its target" if what == "breached" else what), legendgroup=what,
                hoverinfo="name", showlegend=what not in shown))
            shown.add(what)
        if clock["due"] is not None:
            fig.add_trace(go.Scatter(
                x=[local(clock["due"])], y=[row], mode="markers", name="target reached",
                marker=dict(symbol="diamond", size=13, color="white", line=dict(color=INK, width=2)),
                legendgroup="due", hoverinfo="name+x", showlegend="due" not in shown))
            shown.add("due")
    for s, e in working:
        fig.add_vrect(x0=local(s), x1=local(e), fillcolor="#e3f2fd", opacity=0.55, line_width=0, layer="below")
    level, previous = 0, None
    for label_text, moment in sorted(marks, key=lambda m: m[1]):
        close = previous is not None and (moment - previous) < (last - first) * 0.08
        level = level + 1 if close else 0  # labels of moments close together are stacked, not overprinted
        previous = moment
        fig.add_vline(x=local(moment), line=dict(color=INK, width=1, dash="dot"))
        fig.add_annotation(x=local(moment), y=1.0 + 0.09 * level, yref="paper", text=fmt.label(label_text),
                           showarrow=False, yanchor="bottom", font=dict(size=11, color=INK))
    _style(fig, title, None, None, height=190 + 48 * len(rows))
    fig.update_layout(barmode="overlay", margin=dict(l=10, r=10, t=95, b=10), legend_y=-0.3)
    fig.update_xaxes(type="date", range=[local(first), local(last)], showgrid=True, gridcolor="#eceff1")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)), gridcolor="rgba(0,0,0,0)")
    return fig
