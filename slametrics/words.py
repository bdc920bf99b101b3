"""The words and numbers users read, the same on the dashboard, in the report and in its deck:
percentages, business durations, money, months and quarters, service levels, statuses, moments.

Plain text only; the dashboard's Markdown and plotly escaping is in ``ui/format.py``, which also
re-exports this module so the pages keep writing ``fmt.percent(...)``."""
from __future__ import annotations

import datetime as dt
import re

__all__ = ["CURRENCY_SIGNS", "METRICS", "DIMENSIONS", "OUTCOMES", "STATUSES", "percent", "points", "duration",
           "parse_duration", "money", "month", "month_long", "level", "moment", "label"]

CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "AUD": "A$", "CAD": "C$", "CHF": "CHF ", "JPY": "¥"}
METRICS = {"first_response": "First response", "resolution": "Resolution",
           "first_contact_resolution": "First-contact resolution", "not_reopened": "Not reopened",
           "satisfaction": "Satisfaction"}
DIMENSIONS = {"priority": "Priority", "team": "Team", "category": "Category", "agent": "Agent",
              "channel": "Channel", "client": "Client"}
OUTCOMES = {"met": "Met", "breached": "Breached", "pending": "Pending"}
STATUSES = {"meets": "Objective met", "misses": "Objective missed", "insufficient": "Too few tickets to assess"}


def percent(share: float | None, digits: int = 1) -> str:
    """0.9345 -> '93.5%'; None -> '–' (no tickets to assess)."""
    if share is None:
        return "–"
    return f"{share * 100:.{digits}f}%"


def points(delta: float | None, digits: int = 1) -> str | None:
    """A change of a share in percentage points: 0.012 -> '+1.2 pts'; None stays None."""
    if delta is None:
        return None
    return f"{delta * 100:+.{digits}f} pts"


def duration(seconds: float | int | None) -> str:
    """Business time in hours and minutes: 12000 -> '3h 20m'; 2700 -> '45m'; 30 -> '30s'; 0 -> '0m'."""
    if seconds is None:
        return "–"
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(round(seconds)))
    if seconds == 0:
        return "0m"
    if seconds < 60:
        return f"{sign}{seconds}s"
    hours, minutes = divmod(seconds // 60, 60)
    if not hours:
        return f"{sign}{minutes}m"
    return f"{sign}{hours}h {minutes:02d}m" if minutes else f"{sign}{hours}h"


_ENTERED = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?")


def parse_duration(text: str) -> int:
    """A duration as people type it, in whole minutes: '1h 30m', '1h30m', '90m', '2h' -> seconds.

    Raises ``ValueError`` with a message to show where the text is no duration. Decimals ('1.5') and
    bare numbers ('90') are refused, as they could mean hours or minutes; so are days, as a day of
    business time could mean 24 hours or one working day."""
    compact = "".join(str(text).lower().split())
    match = _ENTERED.fullmatch(compact)
    if not compact or not match or not any(match.groups()):
        shown = str(text).strip()[:20]
        hint = (" (a bare number could be hours or minutes)" if compact.replace(".", "", 1).isdigit()
                else " (a day of business time could be 24 hours or one working day)" if "d" in compact else "")
        raise ValueError(f"'{shown}' is not a duration{hint}: write it as 1h 30m, 45m or 2h")
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return (hours * 60 + minutes) * 60


def money(amount: float | None, currency: str | None) -> str:
    """1234.5, 'EUR' -> '€1,234.50'; unknown currencies keep their code: 'NOK 1,234.50'."""
    if amount is None:
        return "–"
    sign = CURRENCY_SIGNS.get(currency or "", f"{currency} " if currency else "")
    return f"{'-' if amount < 0 else ''}{sign}{abs(amount):,.2f}"


def month(period: str | None) -> str:
    """A period as a heading: '2026-10' -> 'Oct 2026'; a week '2026-10-26' -> 'week of 26 Oct 2026';
    a quarter '2026-Q3' -> 'Q3 2026'; a year '2026' -> '2026'."""
    if not period:
        return "–"
    if len(period) == 4:
        return period
    if len(period) == 7 and period[5] == "Q":
        return f"{period[5:]} {period[:4]}"
    if len(period) == 7:
        return dt.date.fromisoformat(f"{period}-01").strftime("%b %Y")
    return "week of " + dt.date.fromisoformat(period).strftime("%-d %b %Y")


def month_long(period: str) -> str:
    """'2026-10' -> 'October 2026'; '2026-Q3' -> 'Q3 2026 (July to September)'; '2026' -> '2026'."""
    if len(period) == 4:
        return period
    if period[5] == "Q":
        first = 3 * int(period[6]) - 2
        names = [dt.date(2000, m, 1).strftime("%B") for m in (first, first + 2)]
        return f"{period[5:]} {period[:4]} ({names[0]} to {names[1]})"
    return dt.date.fromisoformat(f"{period}-01").strftime("%B %Y")


def level(name: str) -> str:
    """A service level's key as a heading: 'p1_response' -> 'P1 response'."""
    words = name.replace("_", " ").replace("-", " ").split()
    if not words:
        return name
    first = words[0].upper() if words[0][:1].lower() == "p" and words[0][1:].isdigit() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def moment(value: dt.datetime | None, zone: str | None = None) -> str:
    """A UTC datetime as '31 Oct 2026, 20:21 UTC', or in ``zone`` local time with its abbreviation."""
    if value is None:
        return "–"
    if zone:
        from zoneinfo import ZoneInfo

        local = value.astimezone(ZoneInfo(zone))
        return local.strftime("%-d %b %Y, %H:%M ") + (local.tzname() or zone)
    return value.astimezone(dt.timezone.utc).strftime("%-d %b %Y, %H:%M UTC")


def label(value: object) -> str:
    """A value from the data or a policy, safe as plotly text (titles, axis labels, legend, hover): its
    HTML-like tags (``<a href>``, ``<b>``) and entities are escaped, so they show as typed."""
    import html

    return html.escape(str(value), quote=False)


def share_name(measure: str) -> str:
    """What a service level's compliance is called: 'Within target' for a clock, 'Met' for a ticket
    outcome (docs/semantics.md §9), which has no target."""
    return "Within target" if measure == "clock" else "Met"
