"""The Quarterly review page: the report on screen (the same HTML as the download), its three files,
and the quarter chosen by a link or a list."""
from __future__ import annotations

import base64
import re

import polars as pl
import pytest

from slametrics import periods
from tests.dashboard.helpers import open_page
from ui import format as fmt


def report_shown(at) -> str:
    (frame,) = at.get("iframe")
    return base64.b64decode(frame.proto.src.split(",", 1)[1]).decode("utf-8")


def test_the_review_shows_the_engines_pooled_quarter_and_offers_its_three_files(app_env, engine, downloads):
    policy, clocks, _, owed = engine
    at = open_page("review")
    assert at.selectbox(key="quarter").value == "2026-Q1"
    assert at.selectbox(key="compare").value == "2025-Q4"
    page = report_shown(at)
    pooled = periods.compliance_over(clocks.filter(pl.col("contract") == "acme"), policy, "quarter")
    for row in pooled.iter_rows(named=True):
        card = re.search(rf'<div class="name">{fmt.level(row["service_level"])}</div>\s*<div class="value">([^<]+)</div>',
                         page)
        assert card and card.group(1) == fmt.percent(row["compliance"]), row["service_level"]
        assert f"{row['met']} met, {row['breached']} breached" in page
    credit = owed.months.filter(pl.col("contract") == "acme")["credit_amount"].sum()
    assert fmt.money(credit, "EUR") == "€1,200.00" and "€1,200.00" in page
    names = sorted(name for name, _ in downloads)
    assert names == ["review-acme-2026-Q1.html", "review-acme-2026-Q1.pdf", "review-acme-2026-Q1.pptx"]
    html = dict(downloads)["review-acme-2026-Q1.html"]
    assert html == page  # the download is the page on screen
    assert "88.3%" in dict(downloads)["review-acme-2026-Q1.pptx"]
    assert at.warning[0].value.startswith("Q1 2026 still has open tickets")


def test_a_link_naming_a_quarter_without_tickets_says_so_and_shows_the_newest(app_env):
    at = open_page("review", query={"quarter": "2019-Q1"})
    assert any("names a quarter with no tickets of this contract" in w.value for w in at.warning)
    assert at.selectbox(key="quarter").value == "2026-Q1"
    assert "Service review, Q1 2026" in report_shown(at)


def test_with_the_range_in_quarters_overview_shows_the_last_quarter_pooled(app_env, engine):
    from tests.dashboard.helpers import metric

    policy, clocks, _, owed = engine
    at = open_page(None, range_by="quarter")
    assert at.title[0].value == "Acme Corp: Q1 2026 (January to March)"
    pooled = periods.compliance_over(clocks.filter(pl.col("contract") == "acme"), policy, "quarter")
    response = pooled.filter(pl.col("service_level") == "response").row(0, named=True)
    assert (response["met"], response["assessed"]) == (53, 60)  # Jan 19 + Feb 16 + Mar 18 of 20 each
    assert metric(at, "Response").value == fmt.percent(response["compliance"]) == "88.3%"
    credit = owed.months.filter(pl.col("contract") == "acme")["credit_amount"].sum()
    assert metric(at, "Service credit (provisional)").value == fmt.money(credit, "EUR")


def test_trends_by_quarter_pools_the_months_counts(app_env, engine):
    from tests.dashboard.helpers import figure

    policy, clocks, _, _ = engine
    at = open_page("trends", trend_grain="quarter")
    spec = figure(at, "Response: within target, by quarter")
    pooled = periods.compliance_over(clocks.filter(pl.col("contract") == "acme"), policy, "quarter")
    assert spec["data"][0]["y"] == pytest.approx(
        pooled.filter(pl.col("service_level") == "response")["compliance"].to_list())
    assert spec["data"][0]["y"] == pytest.approx([53 / 60])  # Q1 2026: 19 + 16 + 18 met of 3 x 20
