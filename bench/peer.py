"""The peer: how an analyst's script computes the same figures, one row at a time.

pandas for the table, the ``businesstimedelta`` package for business hours (its rules take the
calendar's time zone, working days and holidays), ``DataFrame.apply`` per service level, then a
group-by for compliance. It ignores pauses (a typical script has no status history at hand), so it
does less than the engine; it is timed, not checked.
"""
from __future__ import annotations

import datetime as dt

import businesstimedelta
import holidays as holidays_lib
import pandas as pd
import pytz

from slametrics.policy import Calendar, Policy


def rules(cal: Calendar, years: range) -> businesstimedelta.Rules:
    """A businesstimedelta rule set for one policy calendar (24:00 becomes 23:59:59)."""
    tz = pytz.timezone(cal.timezone)
    shifts: dict[tuple[int, int], list[int]] = {}
    for day, intervals in enumerate(cal.hours):
        for start, end in intervals:
            shifts.setdefault((start, end), []).append(day)

    def clock(seconds: int) -> dt.time:
        return dt.time.max.replace(microsecond=0) if seconds >= 86400 else dt.time(seconds // 3600, seconds % 3600 // 60)

    found = [businesstimedelta.WorkDayRule(start_time=clock(s), end_time=clock(e), working_days=days, tz=tz)
             for (s, e), days in shifts.items()]
    days = {d: "holiday" for d in cal.holiday_dates}
    if cal.country:
        days.update(holidays_lib.country_holidays(cal.country, subdiv=cal.subdivision, years=years))
    if days:
        found.append(businesstimedelta.HolidayRule(days, tz=tz))
    return businesstimedelta.Rules(found)


def compliance_script(tickets: pd.DataFrame, policy: Policy, as_of: dt.datetime) -> pd.DataFrame:
    """Met and assessed clocks per month, contract and service level, the row-by-row way."""
    years = range(tickets["created_at"].min().year - 1, as_of.year + 2)
    calendars = {name: rules(cal, years) for name, cal in policy.calendars.items()}
    frames = []
    for contract in policy.contracts.values():
        mine = tickets[tickets["client"].isin(contract.clients)]
        zone = policy.calendars[contract.calendar].timezone
        for level in contract.service_levels.values():
            df = mine[mine["priority"].isin(list(level.targets))].copy()
            if df.empty:
                continue
            rule = calendars[contract.calendar_of(level)]
            stop = df["resolved_at"] if level.metric == "resolution" else df["first_response_at"].fillna(df["resolved_at"])
            df["end"] = stop.where(stop.notna() & (stop <= as_of), as_of)
            df["elapsed"] = df.apply(lambda r: rule.difference(r["created_at"], r["end"]).timedelta.total_seconds(),
                                     axis=1)
            df["target"] = df["priority"].map(level.targets)
            df["met"] = (df["elapsed"] <= df["target"]) & stop.notna()
            df["period"] = df["created_at"].dt.tz_convert(zone).dt.strftime("%Y-%m")
            df["contract"], df["service_level"] = contract.key, level.name
            frames.append(df)
    clocks = pd.concat(frames)
    return clocks.groupby(["period", "contract", "service_level"]).agg(met=("met", "sum"), clocks=("met", "size"))
