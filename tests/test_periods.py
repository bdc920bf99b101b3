"""Quarters and years (slametrics.periods): naming, the months they hold, and pooling on hand-made clocks.
The command line's figures over quarters and years are checked by the golden case quarters_pooled."""
from __future__ import annotations

import polars as pl
import pytest

from slametrics import periods
from slametrics.errors import DataError
from slametrics.words import month, month_long


@pytest.mark.parametrize("given, quarter", [("2026-01", "2026-Q1"), ("2026-03", "2026-Q1"), ("2026-04", "2026-Q2"),
                                            ("2026-09", "2026-Q3"), ("2026-10", "2026-Q4"), ("2026-12", "2026-Q4")])
def test_a_month_belongs_to_its_quarter(given, quarter):
    assert periods.quarter_of(given) == quarter
    assert pl.select(periods.of_month(pl.lit(given), "quarter")).item() == quarter
    assert pl.select(periods.of_month(pl.lit(given), "year")).item() == given[:4]
    assert given in periods.months_of(quarter)


def test_the_months_of_a_period_and_the_period_before():
    assert periods.months_of("2026-Q3") == ["2026-07", "2026-08", "2026-09"]
    assert periods.months_of("2026") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert periods.months_of("2026-08") == ["2026-08"]
    assert [periods.previous(p) for p in ("2026-Q1", "2026-Q3", "2026-01", "2026-08", "2026")] == [
        "2025-Q4", "2026-Q2", "2025-12", "2026-07", "2025"]


@pytest.mark.parametrize("bad", ["2026-Q5", "2026-13", "Q3 2026", "26", "", "2026-Q3; DROP TABLE tickets"])
def test_what_is_no_period_is_refused_saying_how_to_write_one(bad):
    with pytest.raises(DataError, match="write a quarter as 2026-Q3"):
        periods.months_of(bad)


def test_a_period_length_other_than_month_quarter_or_year_is_refused():
    with pytest.raises(DataError, match="allowed: month, quarter, year"):
        periods.check_grain("week")


def test_quarters_and_years_read_as_people_name_them():
    assert (month("2026-Q3"), month("2026"), month("2026-08")) == ("Q3 2026", "2026", "Aug 2026")
    assert month_long("2026-Q4") == "Q4 2026 (October to December)"
