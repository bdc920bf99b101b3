"""Writing a policy back as a policy file (a what-if scenario saved from the dashboard): YAML that
``parse_policy`` reads back to an equal ``Policy``."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from slametrics.policy.model import DAYS, Amendment, Contract, Policy, format_duration

class _Dumper(yaml.SafeDumper):
    """Writes shares and amounts as the decimal written, so ``parse_policy`` reads back the same value."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    whole = value == value.to_integral_value() and "." not in text
    tag = "tag:yaml.org,2002:int" if whole else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


def _flow_list(dumper: yaml.SafeDumper, value: "_Flow") -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


class _Flow(list):
    """A list written on one line: ``[P1, P2]``."""


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(_Flow, _flow_list)


def _hhmm(seconds: int) -> str:
    """Seconds from local midnight as the policy file writes them: 30600 -> '08:30', 86400 -> '24:00'."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _hours(hours: tuple) -> dict[str, Any]:
    """Seven days of intervals -> {"mon-fri": "08:00-18:00", "sat": [...]}, grouping runs of equal days."""
    out: dict[str, Any] = {}
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and hours[last + 1] == hours[day]:
            last += 1
        if hours[day]:
            key = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            spans = [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in hours[day]]
            out[key] = spans[0] if len(spans) == 1 else _Flow(spans)
        day = last + 1
    return out


def _contract(c: Contract) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "clients": _Flow(c.clients), "calendar": c.calendar,
                           "pause_statuses": _Flow(c.pause_statuses), "resolved_statuses": _Flow(c.resolved_statuses)}
    if c.monthly_fee is not None:
        out["monthly_fee"] = c.monthly_fee
    if c.currency is not None:
        out["currency"] = c.currency
    out["credit_cap"] = c.credit_cap
    out["bonus_cap"] = c.bonus_cap
    out["min_tickets"] = c.min_tickets
    out["payment"] = ({"method": c.payment.method, "claim_within_days": c.payment.claim_within_days}
                      if c.payment else None)
    levels = {}
    for name, sl in c.service_levels.items():
        level: dict[str, Any] = {"metric": sl.metric}
        if sl.measure == "clock":
            level["targets"] = {p: format_duration(s) for p, s in sl.targets.items()}
        if sl.priorities is not None:
            level["priorities"] = _Flow(sl.priorities)
        if sl.satisfied_at_least is not None:
            level["satisfied_at_least"] = sl.satisfied_at_least
        if sl.calendar:
            level["calendar"] = sl.calendar
        level["objective"] = sl.objective
        if sl.credits:
            level["credits"] = [{"below": t.below, "credit": t.credit} for t in sl.credits]
        if sl.per_breach is not None:
            level["per_breach"] = sl.per_breach
        if sl.bonus:
            level["bonus"] = [{"at_least": t.at_least, "bonus": t.bonus} for t in sl.bonus]
        if sl.pause_statuses is not None:
            level["pause_statuses"] = _Flow(sl.pause_statuses)
        levels[name] = level
    out["service_levels"] = levels
    if c.amendments:
        out["amendments"] = [_amendment(a, previous) for a, previous in
                             zip(c.amendments, [c, *(a.terms for a in c.amendments)])]
    return out


def _amendment(a: Amendment, previous: Contract) -> dict[str, Any]:
    """An amendment naming every term (so it reads back whole, whatever the version before held), with
    ``null`` for a fee the version drops and for each service level it ends."""
    terms = _contract(a.terms)
    out: dict[str, Any] = {"from": a.start}
    if a.note is not None:
        out["note"] = a.note
    out.update({k: v for k, v in terms.items() if k not in ("name", "clients", "calendar", "currency")})
    if a.terms.monthly_fee is None and previous.monthly_fee is not None:
        out["monthly_fee"] = None
    ended = {name: None for name in previous.service_levels if name not in a.terms.service_levels}
    out["service_levels"] = {**terms["service_levels"], **ended}
    return out


def policy_to_yaml(policy: Policy, header: str | None = None) -> str:
    """The policy as a policy file that ``parse_policy`` reads back to an equal ``Policy``.

    ``header`` becomes a comment block at the top (e.g. what the scenario changed).
    """
    calendars = {}
    for name, cal in policy.calendars.items():
        entry: dict[str, Any] = {"timezone": cal.timezone, "hours": "always" if cal.always else _hours(cal.hours)}
        holidays: dict[str, Any] = {}
        if cal.holiday_dates:
            holidays["dates"] = _Flow(cal.holiday_dates)
        if cal.country:
            holidays["country"] = cal.country
        if cal.subdivision:
            holidays["subdivision"] = cal.subdivision
        if holidays:
            entry["holidays"] = holidays
        calendars[name] = entry
    data = {"calendars": calendars, "contracts": {k: _contract(c) for k, c in policy.contracts.items()}}
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    if header:
        body = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body
    return body
