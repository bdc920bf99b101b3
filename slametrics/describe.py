"""A policy in readable form: targets matrix, service levels, tiers in words, working weeks, holidays.

For the dashboard's Policy page and for reports; the shares stay shares (0..1) and the durations
seconds, only the policy's own notation (``1h30m``) is used for targets.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from slametrics.policy import DAYS, Calendar, Policy, format_duration


def targets_matrix(policy: Policy, contract: str) -> pl.DataFrame:
    """One row per service level, one column per priority, the target as written (``4h``), null where none."""
    levels = policy.contracts[contract].service_levels
    priorities = sorted({p for sl in levels.values() for p in sl.targets})
    rows = [{"service_level": name, **{p: (format_duration(sl.targets[p]) if p in sl.targets else None)
                                       for p in priorities}} for name, sl in levels.items()]
    return pl.DataFrame(rows, schema={"service_level": pl.String, **{p: pl.String for p in priorities}})


def service_levels(policy: Policy, contract: str) -> pl.DataFrame:
    """One row per service level: metric, objective (share), calendar, pausing statuses, tiers (below, credit lists)."""
    c = policy.contracts[contract]
    rows = [(name, sl.metric, float(sl.objective), c.calendar_of(sl), list(c.pausing_statuses(sl)),
             [float(t.below) for t in sl.credits], [float(t.credit) for t in sl.credits])
            for name, sl in c.service_levels.items()]
    return pl.DataFrame(rows, orient="row", schema={
        "service_level": pl.String, "metric": pl.String, "objective": pl.Float64, "calendar": pl.String,
        "pausing_statuses": pl.List(pl.String), "tier_below": pl.List(pl.Float64), "tier_credit": pl.List(pl.Float64)})


def week_grid(calendar: Calendar) -> pl.DataFrame:
    """The working intervals of a week: weekday (0 = Monday), day ('mon'), start_hour, end_hour (local, float)."""
    rows = [(d, DAYS[d], start / 3600, end / 3600) for d in range(7) for start, end in calendar.hours[d]]
    return pl.DataFrame(rows, orient="row", schema={"weekday": pl.Int64, "day": pl.String,
                                                    "start_hour": pl.Float64, "end_hour": pl.Float64})


def weekly_hours(calendar: Calendar) -> float:
    """Working hours in a week without holidays."""
    return sum(end - start for day in calendar.hours for start, end in day) / 3600


def holiday_table(calendar: Calendar, first: dt.date, last: dt.date) -> pl.DataFrame:
    """Holidays in [first, last]: date, name (the country's name for it, or 'listed in the policy')."""
    names: dict[dt.date, str] = {d: "listed in the policy" for d in calendar.holiday_dates if first <= d <= last}
    if calendar.country:
        import holidays as holidays_lib

        found = holidays_lib.country_holidays(calendar.country, subdiv=calendar.subdivision,
                                              years=range(first.year, last.year + 1))
        for day, name in found.items():
            if first <= day <= last:
                names[day] = f"{name}; listed in the policy" if day in names else name
    return pl.DataFrame(sorted(names.items()), orient="row", schema={"date": pl.Date, "name": pl.String})
