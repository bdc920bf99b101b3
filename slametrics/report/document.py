"""The review as one HTML page (self-contained: charts inline as SVG, the logo and the breach list as data
URIs, no network at view time) and as an A4 landscape PDF rendered from the same page by weasyprint."""
from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import jinja2
import polars as pl

from slametrics import breaches, words
from slametrics.output import spreadsheet_csv
from slametrics.report import figures
from slametrics.report.model import RAG_WORDS, Review
from slametrics.settlement import explained

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: breaches the PDF's appendix lists; every breach is in the CSV attached to the PDF (and to the HTML)
APPENDIX_ROWS = 400


def csv_name(r: Review) -> str:
    return f"breaches-{r.contract_key}-{r.period}.csv"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(percent=words.percent, money=words.money, month=words.month, month_long=words.month_long,
                       level=words.level, duration=words.duration,
                       moment=lambda m: words.moment(m.astimezone(dt.timezone.utc) if m else None))
    return env


def _data_uri(content: bytes, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


def _level_tables(r: Review, periods: list[str]) -> dict[str, list[tuple[str, list[dict | None]]]]:
    out = {}
    for s in r.summary:
        rows = r.level_rows.filter(pl.col("service_level") == s.name)
        priorities = sorted(p for p in rows["priority"].unique().to_list() if p != "all") + ["all"]
        cells = {(x["priority"], x["period"]): x for x in rows.iter_rows(named=True)}
        out[s.name] = [(p, [cells.get((p, period)) for period in periods]) for p in priorities
                       if any(cells.get((p, period)) for period in periods)]
    return out


def context(r: Review, *, pdf: bool) -> dict:
    """What the template needs, from the review's figures (shared by the HTML and the PDF)."""
    periods = r.months + ([r.period] if len(r.months) > 1 else [])
    charts = {f"trend_{s.name}": figures.level_trend(r, s.name) for s in r.summary}
    charts.update(
        volume=figures.volume(r),
        backlog=figures.bars(r, r.backlog, "band", "tickets", f"Open at the end of {words.month(r.period)}, by age",
                             "#ef6c00"),
        channel=figures.bars(r, r.by_channel, "channel", "tickets", "Tickets opened by channel"),
        category=figures.bars(r, r.by_category.head(8), "category", "tickets", "Tickets opened by category"
                              + (f" (the top 8 of {r.by_category.height})" if r.by_category.height > 8 else "")),
        pareto_category=figures.pareto(r, r.pareto_category, "category", "Where breaches happen: by category"),
        pareto_team=figures.pareto(r, r.pareto_team, "team", "Where breaches happen: by team"),
        heatmap=figures.heatmap(r),
        csat=figures.csat(r) if (r.csat["rated"] > 0).any() else "",
        credits=figures.credit_months(r) if not r.statement_months.is_empty() else "",
    )
    bands = [label for label, _ in breaches.OVERRUN_BANDS]
    over = {(x["priority"], x["band"]): x["breaches"] for x in r.overrun.iter_rows(named=True)}
    priorities = sorted(r.overrun["priority"].unique().to_list())
    said = explained(r.statement_months, r.statement_levels)
    statement = [{"period": m["period"], "owing": ", ".join(said.get(m["period"], ([], []))[0]),
                  "notes": "; ".join(said.get(m["period"], ([], []))[1]), "rate": m["credit_rate"],
                  "amount": m["credit_amount"], "provisional": m["provisional"]}
                 for m in r.statement_months.iter_rows(named=True)]
    target_priorities = [c for c in r.targets.columns if c != "service_level"]
    target_rows = [{"title": words.level(row["service_level"]),
                    "metric": words.METRICS[r.contract.service_levels[row["service_level"]].metric].lower(),
                    "targets": [row[p] or "–" for p in target_priorities],
                    "objective": float(r.contract.service_levels[row["service_level"]].objective)}
                   for row in r.targets.iter_rows(named=True)]
    logo = None
    if r.settings.logo:
        kind = "image/svg+xml" if r.settings.logo.suffix.lower() == ".svg" else "image/png"
        logo = _data_uri(r.settings.logo.read_bytes(), kind)
    attachment = None if pdf else _data_uri(spreadsheet_csv(r.all_breaches), "text/csv")
    appendix = r.all_breaches.head(APPENDIX_ROWS) if pdf else None
    fee = words.money(float(r.contract.monthly_fee), r.currency) if r.contract.monthly_fee else "–"
    return dict(r=r, css=(TEMPLATES / "review.css").read_text(encoding="utf-8"), charts=charts, periods=periods,
                level_tables=_level_tables(r, periods), rag_words=RAG_WORDS, overrun_bands=bands,
                overrun_rows=[(p, [over.get((p, b)) for b in bands]) for p in priorities], statement=statement,
                target_priorities=target_priorities, target_rows=target_rows, logo=logo, attachment=attachment,
                appendix=appendix, csv_name=csv_name(r), rated=bool((r.csat["rated"] > 0).any()), fee=fee,
                backlog_cut=r.as_of.timestamp() < _end_of(r))


def _end_of(r: Review) -> float:
    from slametrics.report.model import _bounds

    return float(_bounds(r.months, r.zone)[1])


def render_html(r: Review, *, pdf: bool = False) -> str:
    """The review as one self-contained HTML page (``pdf``: with the appendix instead of the CSV link)."""
    return _environment().get_template("review.html.j2").render(**context(r, pdf=pdf))


def render_pdf(r: Review) -> bytes:
    """The review as an A4 landscape PDF: page numbers, a header with contract, period and as-of; every
    breach as a CSV file attached to it, the first ``APPENDIX_ROWS`` also in its appendix."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    every = weasyprint.Attachment(string=spreadsheet_csv(r.all_breaches), name=csv_name(r),
                                  description=f"Every breach of {words.month(r.period)}, with its clock figures")
    return weasyprint.HTML(string=render_html(r, pdf=True), base_url=str(TEMPLATES)).write_pdf(attachments=[every])
