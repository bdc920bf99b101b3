"""A policy in readable form: targets matrix, service levels, tiers in words, working weeks, holidays.

For the dashboard's Policy page and for reports; the shares stay shares (0..1) and the durations
seconds, only the policy's own notation (``1h30m``) is used for targets.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from slametrics.policy import DAYS, Calendar, Contract, Policy, format_duration


def _terms(policy: Policy, contract: str, month: str | None):
    """The contract's terms in force in ``month`` (docs/semantics.md §7), or its own terms where None."""
    whole = policy.contracts[contract]
    return whole.in_force(month) if month else whole


def measured_by(level) -> str:
    """What a service level counts as met, in a few words: 'P1 15m, P2 1h' for a clock, 'resolved at the
    first contact (P3)' for a ticket outcome (docs/semantics.md §9)."""
    if level.measure == "clock":
        return ", ".join(f"{p} {format_duration(s)}" for p, s in level.targets.items())
    which = f" ({', '.join(level.priorities)})" if level.priorities else ""
    if level.metric == "first_contact_resolution":
        return f"resolved at the first contact, with no earlier reply and never reopened{which}"
    if level.metric == "not_reopened":
        return f"resolved and never reopened{which}"
    bar = f"{level.satisfied_at_least.normalize():f}"
    return f"rated at least {bar} of 5, of the resolved tickets rated{which}"


def targets_matrix(policy: Policy, contract: str, month: str | None = None) -> pl.DataFrame:
    """One row per service level, one column per priority, the target as written (``4h``), null where none
    (of the terms in force in ``month``)."""
    levels = {n: sl for n, sl in _terms(policy, contract, month).service_levels.items() if sl.measure == "clock"}
    priorities = sorted({p for sl in levels.values() for p in sl.targets})
    rows = [{"service_level": name, **{p: (format_duration(sl.targets[p]) if p in sl.targets else None)
                                       for p in priorities}} for name, sl in levels.items()]
    return pl.DataFrame(rows, schema={"service_level": pl.String, **{p: pl.String for p in priorities}})


def service_levels(policy: Policy, contract: str, month: str | None = None) -> pl.DataFrame:
    """One row per service level: metric, met_when (``measured_by``), objective (share), calendar and pausing
    statuses (clocks only), tiers (below, credit lists), of the terms in force in ``month``."""
    c = _terms(policy, contract, month)
    clock = {name: sl.measure == "clock" for name, sl in c.service_levels.items()}
    rows = [(name, sl.metric, measured_by(sl), float(sl.objective), c.calendar_of(sl) if clock[name] else None,
             list(c.pausing_statuses(sl)) if clock[name] else [],
             [float(t.below) for t in sl.credits], [float(t.credit) for t in sl.credits])
            for name, sl in c.service_levels.items()]
    return pl.DataFrame(rows, orient="row", schema={
        "service_level": pl.String, "metric": pl.String, "met_when": pl.String, "objective": pl.Float64,
        "calendar": pl.String, "pausing_statuses": pl.List(pl.String), "tier_below": pl.List(pl.Float64),
        "tier_credit": pl.List(pl.Float64)})


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


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}" if seconds < 86400 else "24:00"


def working_week(calendar: Calendar) -> str:
    """The calendar's week in words: 'round the clock', or 'Mon-Fri 09:00-17:00, Sat 10:00-14:00'."""
    if calendar.always or all(day == ((0, 86400),) for day in calendar.hours):
        return "round the clock, every day"
    groups: list[tuple[list[int], tuple]] = []
    for d, day in enumerate(calendar.hours):
        if not day:
            continue
        if groups and groups[-1][1] == day and groups[-1][0][-1] == d - 1:
            groups[-1][0].append(d)
        else:
            groups.append(([d], day))
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    parts = []
    for days, day in groups:
        which = names[days[0]] if len(days) == 1 else f"{names[days[0]]}-{names[days[-1]]}"
        parts.append(f"{which} {', '.join(f'{_clock(s)}-{_clock(e)}' for s, e in day)}")
    return "; ".join(parts) if parts else "no working hours"


def how_measured(policy: Policy, contract: str, month: str | None = None) -> list[tuple[str, str]]:
    """How the contract's figures are measured, in words, from its policy: (topic, explanation) pairs for the
    dashboard's "How this is measured" panel and for reports (the rules of docs/semantics.md, §3-§5), under
    the terms in force in ``month`` (§7)."""
    c = _terms(policy, contract, month)
    out = []
    calendars = dict.fromkeys([c.calendar, *(c.calendar_of(sl) for sl in c.service_levels.values())])
    for name in calendars:
        cal = policy.calendars[name]
        holidays = (f"public holidays of {cal.country}{'-' + cal.subdivision if cal.subdivision else ''}"
                    if cal.country else "")
        listed = f"{len(cal.holiday_dates)} listed holiday{'s' if len(cal.holiday_dates) != 1 else ''}" \
            if cal.holiday_dates else ""
        off = " and ".join(x for x in (holidays, listed) if x)
        out.append((f"Business hours ({name})", f"{working_week(cal)}, {cal.timezone} time"
                    + (f"; {off} do not count" if off else "; no holidays")
                    + ". A clock only runs in these hours."))
    metrics = {sl.metric for sl in c.service_levels.values()}
    if "first_response" in metrics:
        out.append(("First response", "from the ticket's creation to the first reply the helpdesk recorded; a "
                                      "ticket resolved without a reply stops this clock at its resolution."))
    if "resolution" in metrics:
        out.append(("Resolution", "from the ticket's creation to the moment the helpdesk recorded it resolved."))
    if "first_contact_resolution" in metrics:
        out.append(("First-contact resolution", "a resolved ticket is met when no reply came before its resolution "
                                                "and it was never reopened; an open ticket is pending."))
    if "not_reopened" in metrics:
        out.append(("Not reopened", "a resolved ticket is met when it was never reopened; an open one is pending."))
    for name, sl in c.service_levels.items():
        if sl.metric == "satisfaction":
            out.append((f"Satisfaction ({name})", f"a resolved, rated ticket is met when rated at least "
                                                  f"{sl.satisfied_at_least.normalize():f} of 5; unrated "
                                                  "or open tickets are not counted."))
    for name, sl in c.service_levels.items():
        if sl.measure != "clock":
            continue
        pausing = c.pausing_statuses(sl)
        out.append((f"Pauses ({name})", "the clock stops while the ticket is " + ", ".join(pausing) + "."
                    if pausing else "never paused: every business second from creation counts."))
    out.append(("Compliance", "tickets whose clock stopped within the target, divided by those assessed (stopped "
                              "within target, or past it, stopped or not). A clock still running within its "
                              "target is pending and not counted yet. A ticket counts in the month it was "
                              f"opened, in {policy.calendars[c.calendar].timezone} time."))
    out.append(("Provisional", "a month with pending clocks: its compliance and credit can still change until "
                               "they stop or pass their target."))
    if any(sl.credits for sl in c.service_levels.values()):
        cap = f"capped at {float(c.credit_cap):.0%} of the monthly fee" if c.credit_cap < 1 else "with no cap"
        minimum = (f"; a month with fewer than {c.min_tickets} assessed tickets of a service level owes no credit "
                   "for it" if c.min_tickets else "")
        out.append(("Service credits", f"each service level's tier for the month's compliance, added up and {cap}"
                                       f"{minimum}."))
    return out


def tier_words(tiers) -> str:
    """Credit tiers in words, mildest first: 'below 95.0%: 5.0%, below 90.0%: 10.0%'; 'none' where none."""
    from slametrics import words

    ordered = sorted(tiers, key=lambda t: t.below, reverse=True)
    return ", ".join(f"below {words.percent(float(t.below))}: {words.percent(float(t.credit))}" for t in ordered) or "none"


def bonus_words(tiers) -> str:
    """Bonus tiers in words, as written: 'at least 98.0%: 1.0%'; 'none' where none."""
    from slametrics import words

    return ", ".join(f"at least {words.percent(float(t.at_least))}: {words.percent(float(t.bonus))}"
                     for t in tiers) or "none"


def terms_diff(before: Contract, after: Contract) -> list[str]:
    """What an amendment changed, in words (docs/semantics.md §7): 'monthly fee €20,000.00 -> €24,000.00',
    'Response P2 target 1h30m -> 2h', 'Response objective 90.0% -> 92.0%', 'P1 response added',
    'Resolution ended'."""
    from slametrics import words

    out = []
    if before.monthly_fee != after.monthly_fee:
        money = [words.money(float(f), after.currency) if f is not None else "none" for f in (before.monthly_fee,
                                                                                              after.monthly_fee)]
        out.append(f"monthly fee {money[0]} -> {money[1]}")
    if before.credit_cap != after.credit_cap:
        out.append(f"credit cap {words.percent(float(before.credit_cap))} -> {words.percent(float(after.credit_cap))}")
    if before.bonus_cap != after.bonus_cap:
        out.append(f"bonus cap {words.percent(float(before.bonus_cap))} -> {words.percent(float(after.bonus_cap))}")
    if before.payment != after.payment:
        said = [f"{p.method.replace('_', ' ')}, claims within {p.claim_within_days} days" if p else "none"
                for p in (before.payment, after.payment)]
        out.append(f"payment {said[0]} -> {said[1]}")
    if before.min_tickets != after.min_tickets:
        out.append(f"minimum volume {before.min_tickets} -> {after.min_tickets} assessed tickets")
    for what, old, new in (("paused while", before.pause_statuses, after.pause_statuses),
                           ("resolved statuses", before.resolved_statuses, after.resolved_statuses)):
        if tuple(old) != tuple(new):
            out.append(f"{what}: {', '.join(old) or 'none'} -> {', '.join(new) or 'none'}")
    for name, level in after.service_levels.items():
        title = words.level(name)
        was = before.service_levels.get(name)
        if was is None:
            out.append(f"{title} added ({measured_by(level)}, objective {words.percent(float(level.objective))})")
            continue
        for priority in dict.fromkeys([*was.targets, *level.targets]):
            a, b = was.targets.get(priority), level.targets.get(priority)
            if a != b:
                out.append(f"{title} {priority} target {format_duration(a) if a is not None else 'none'} -> "
                           f"{format_duration(b) if b is not None else 'none'}")
        if was.objective != level.objective:
            out.append(f"{title} objective {words.percent(float(was.objective))} -> {words.percent(float(level.objective))}")
        if was.credits != level.credits:
            out.append(f"{title} credit tiers {tier_words(was.credits)} -> {tier_words(level.credits)}")
        if was.per_breach != level.per_breach:
            amounts = [words.money(float(x), after.currency) if x is not None else "none"
                       for x in (was.per_breach, level.per_breach)]
            out.append(f"{title} per breach {amounts[0]} -> {amounts[1]}")
        if was.bonus != level.bonus:
            out.append(f"{title} bonus tiers {bonus_words(was.bonus)} -> {bonus_words(level.bonus)}")
        if (was.priorities, was.satisfied_at_least) != (level.priorities, level.satisfied_at_least):
            out.append(f"{title}: {measured_by(was)} -> {measured_by(level)}")
        if (was.metric, was.calendar, was.pause_statuses) != (level.metric, level.calendar, level.pause_statuses):
            out.append(f"{title}: its metric, calendar or pauses changed")
    out += [f"{words.level(name)} ended" for name in before.service_levels if name not in after.service_levels]
    return out
