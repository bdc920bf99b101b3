"""Validation of a parsed policy: walks the YAML, collects every problem with its key path.

Each problem names the file, the key path, the value and what is allowed; ``Validator.policy``
raises one ``PolicyError`` with all of them, or returns the frozen ``Policy``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import reprlib
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from slametrics.errors import PolicyError
from slametrics.policy.model import (DAYS, DEFAULT_RESOLVED_STATUSES, DEFAULT_SATISFIED_AT_LEAST, METRICS, TICKET_METRICS, Amendment, BonusTier, Calendar,
                                     Contract, Payment, Policy, ServiceLevel, Tier, parse_duration)

SHOWN = 120  # characters of a value or key path a message quotes at most
#: a contract's own keys, which no amendment may change, and its terms, which one may (docs/semantics.md §7)
IDENTITY = ("name", "clients", "calendar", "currency")
TERMS = ("pause_statuses", "resolved_statuses", "monthly_fee", "credit_cap", "bonus_cap", "min_tickets", "payment",
         "service_levels")
PAYMENT_METHODS = ("invoice_credit", "direct_payment")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def shorten(text: str) -> str:
    """``text`` as a message quotes it: at most ``SHOWN`` characters."""
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text):,} characters)"


_QUOTE = reprlib.Repr()
_QUOTE.maxlevel, _QUOTE.maxlist, _QUOTE.maxdict, _QUOTE.maxstring, _QUOTE.maxother = 3, 6, 6, SHOWN, SHOWN


def quoted(value: Any) -> str:
    """A value as a message quotes it: a bounded repr, never built in full (a value made of YAML aliases
    would print as gigabytes)."""
    return shorten(_QUOTE.repr(value))


_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class Validator:
    """Walks the parsed YAML, collecting every problem with its key path."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def bad(self, path: str, value: Any, allowed: str) -> None:
        shown = "missing" if value is _MISSING else str(value) if isinstance(value, Decimal) else quoted(value)
        self.problems.append(f"{self.source}: {shorten(path)}: {shown}: {allowed}")

    def mapping(self, value: Any, path: str) -> dict:
        if value is _MISSING:
            self.bad(path, value, "required")
            return {}
        if not isinstance(value, dict):
            self.bad(path, value, "must be a mapping of keys to values")
            return {}
        return value

    def unknown_keys(self, data: dict, path: str, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                self.bad(f"{path}.{key}" if path else str(key), data[key],
                         f"unknown key; allowed: {', '.join(allowed)}")

    def share(self, value: Any, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not (
            Decimal(0) <= Decimal(value) <= Decimal(1)
        ):
            self.bad(path, value, "must be a share from 0 to 1 (e.g. 0.95)")
            return None
        return Decimal(value)

    def text_list(self, value: Any, path: str) -> tuple[str, ...] | None:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.bad(path, value, "must be a list of names, e.g. [pending_customer, on_hold]")
            return None
        return tuple(str(v) for v in value)

    # -- top level --

    def policy(self, data: Any) -> Policy:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.bad("(top level)", data, "must be a mapping with keys calendars and contracts")
            raise PolicyError(self.problems)
        self.unknown_keys(data, "", ("calendars", "contracts"))
        calendars = {}
        for name, cal in self.mapping(data.get("calendars", _MISSING), "calendars").items():
            parsed = self.calendar(str(name), cal, f"calendars.{name}")
            if parsed:
                calendars[str(name)] = parsed
        cal_names = set(self.mapping(data.get("calendars", {}), "calendars"))
        contracts, owner = {}, {}
        for key, con in self.mapping(data.get("contracts", _MISSING), "contracts").items():
            parsed = self.contract(str(key), con, f"contracts.{key}", {str(c) for c in cal_names})
            if parsed:
                contracts[str(key)] = parsed
            # clients are checked across contracts even where a contract has other mistakes
            clients = con.get("clients") if isinstance(con, dict) else None
            for client in (str(c) for c in clients) if isinstance(clients, list) else ():
                if client in owner and owner[client] != str(key):
                    self.bad(f"contracts.{key}.clients", client,
                             f"client is already in contract {owner[client]!r}; a client belongs to at most one contract")
                owner.setdefault(client, str(key))
        if self.problems:
            raise PolicyError(self.problems)
        return Policy(calendars=calendars, contracts=contracts, source=self.source, client_contract=owner)

    # -- calendars --

    def calendar(self, name: str, data: Any, path: str) -> Calendar | None:
        data = self.mapping(data, path)
        if not data:
            return None
        self.unknown_keys(data, path, ("timezone", "hours", "holidays"))
        before = len(self.problems)
        tz = data.get("timezone", _MISSING)
        if tz is _MISSING:
            self.bad(f"{path}.timezone", tz, "required: an IANA time zone such as Europe/Berlin")
        elif not isinstance(tz, str) or not known_zone(tz):
            self.bad(f"{path}.timezone", tz, "unknown time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC")
        hours_raw = data.get("hours", _MISSING)
        always = hours_raw == "always"
        hours = (((0, 86400),),) * 7 if always else self.hours(hours_raw, f"{path}.hours")
        dates, country, subdiv = self.holidays(data.get("holidays"), f"{path}.holidays")
        if len(self.problems) > before or hours is None:
            return None
        return Calendar(name=name, timezone=tz, hours=hours, always=always, holiday_dates=dates,
                        country=country, subdivision=subdiv)

    def hours(self, data: Any, path: str) -> tuple | None:
        if data is _MISSING:
            self.bad(path, data, "required: `always` or a mapping such as {mon-fri: \"08:00-18:00\"}")
            return None
        if not isinstance(data, dict):
            self.bad(path, data, "must be `always` or a mapping of days (mon..sun, ranges like mon-fri) to intervals")
            return None
        days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        ok = True
        for key, spec in data.items():
            key_path = f"{path}.{key}"
            day_idx = _day_range(str(key))
            if day_idx is None:
                self.bad(key_path, key, "unknown day; use mon, tue, wed, thu, fri, sat, sun or a forward range like mon-fri")
                ok = False
                continue
            specs = spec if isinstance(spec, list) else [spec]
            for item in specs:
                interval = _interval(item)
                if interval is None:
                    self.bad(key_path, item, 'must be an interval "HH:MM-HH:MM" (or a list of them) within one day, start before end, 24:00 may end it; '
                             "an interval may not cross midnight (write two)")
                    ok = False
                    continue
                for d in day_idx:
                    days[d].append(interval)
        for d, intervals in enumerate(days):
            intervals.sort()
            for (s1, e1), (s2, e2) in zip(intervals, intervals[1:]):
                if s2 < e1:
                    self.bad(path, f"{DAYS[d]} {_hhmm(s1)}-{_hhmm(e1)} and {_hhmm(s2)}-{_hhmm(e2)}",
                             "intervals of one day overlap; intervals must not overlap")
                    ok = False
        return tuple(tuple(d) for d in days) if ok else None

    def holidays(self, data: Any, path: str) -> tuple[tuple[dt.date, ...], str | None, str | None]:
        if data is None:
            return (), None, None
        data = self.mapping(data, path)
        self.unknown_keys(data, path, ("dates", "country", "subdivision"))
        dates: list[dt.date] = []
        raw_dates = data.get("dates") or []
        if not isinstance(raw_dates, list):
            self.bad(f"{path}.dates", raw_dates, "must be a list of dates such as [2026-12-24]")
            raw_dates = []
        for i, value in enumerate(raw_dates):
            day = value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else _date(value)
            if day is None:
                self.bad(f"{path}.dates[{i}]", value, "must be a date written YYYY-MM-DD")
            else:
                dates.append(day)
        country, subdiv = data.get("country"), data.get("subdivision")
        if isinstance(country, bool):
            self.bad(f"{path}.country", country, 'YAML read this country code as a boolean; quote it, e.g. country: "NO"')
            country = None
        elif country is not None:
            country = str(country)
            subdiv = None if subdiv is None else str(subdiv)
            self._check_country(country, subdiv, path)
        elif subdiv is not None:
            self.bad(f"{path}.subdivision", subdiv, "needs a country beside it")
        return tuple(sorted(set(dates))), country, subdiv

    def _check_country(self, country: str, subdiv: str | None, path: str) -> None:
        import holidays as holidays_lib

        supported = holidays_lib.list_supported_countries()
        if country not in supported:
            self.bad(f"{path}.country", country, "unknown country; use an ISO 3166 code the holidays package knows, e.g. DE, US, AU, GB")
        elif subdiv is not None and subdiv not in supported[country]:
            shown = ", ".join(supported[country][:12]) + (" ..." if len(supported[country]) > 12 else "")
            self.bad(f"{path}.subdivision", subdiv, f"unknown subdivision of {country}; allowed: {shown}")

    # -- contracts --

    def contract(self, key: str, data: Any, path: str, calendars: set[str]) -> Contract | None:
        data = self.mapping(data, path)
        if not data:
            return None
        self.unknown_keys(data, path, (*IDENTITY, *TERMS, "amendments"))
        before = len(self.problems)
        base = self.terms(key, data, path, calendars)
        if base is None or len(self.problems) > before or "amendments" not in data:
            return base
        return self.amended(base, data, path, calendars)

    def amended(self, base: Contract, data: dict, path: str, calendars: set[str]) -> Contract | None:
        """``base`` with its ``amendments`` (docs/semantics.md §7): each names ``from`` (YYYY-MM, strictly
        increasing) and replaces the terms it names whole from that month on (``null``: the default again;
        under ``service_levels``, a level's mapping replaces or adds it, ``null`` ends it); each merged
        version must be a valid contract. Mistakes are named with the amendment's index and month."""
        raw = data["amendments"]
        if raw is None:
            return base
        if not isinstance(raw, list):
            self.bad(f"{path}.amendments", raw, "must be a list of amendments such as [{from: 2026-07, monthly_fee: 24000}]")
            return None
        before = len(self.problems)
        merged = {k: v for k, v in data.items() if k != "amendments"}
        amendments, last = [], None
        for i, change in enumerate(raw):
            where = f"{path}.amendments[{i}]"
            if not isinstance(change, dict):
                self.bad(where, change, "must be a mapping with from and the terms it changes")
                continue
            start = change.get("from", _MISSING)
            month = str(start) if isinstance(start, str) and _MONTH.fullmatch(str(start)) else None
            if month is None:
                self.bad(f"{where}.from", start, "required: the first month it holds, written YYYY-MM (e.g. 2026-07)")
                continue
            where = f"{where} (from {month})"
            if last is not None and month <= last:
                self.bad(f"{where}.from", month, f"must be later than the amendment before it (from {last})")
            last = month
            for key, value in change.items():
                if key in IDENTITY:
                    self.bad(f"{where}.{key}", value, "belongs to the contract and cannot be amended; "
                                                      f"an amendment may change {', '.join(TERMS)}")
                elif key not in (*TERMS, "from", "note"):
                    self.bad(f"{where}.{key}", value, f"unknown key; allowed: from, note, {', '.join(TERMS)}")
            note = change.get("note")
            if note is not None and not isinstance(note, str):
                self.bad(f"{where}.note", note, "must be text")
            for key, value in change.items():
                if key not in TERMS:
                    continue
                if key == "service_levels" and isinstance(value, dict):
                    levels = dict(merged.get("service_levels") or {})
                    for name, level in value.items():
                        if level is None:
                            levels.pop(name, None)
                        else:
                            levels[name] = level
                    merged["service_levels"] = levels
                elif value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            terms = self.terms(base.key, merged, where, calendars)
            if terms is not None:
                amendments.append(Amendment(start=month, note=None if note is None else str(note), terms=terms))
        if len(self.problems) > before:
            return None
        return dataclasses.replace(base, amendments=tuple(amendments))

    def terms(self, key: str, data: dict, path: str, calendars: set[str]) -> Contract | None:
        """A contract from its identity and one version of its terms (no amendments)."""
        before = len(self.problems)
        clients = data.get("clients", _MISSING)
        if clients is _MISSING:
            self.bad(f"{path}.clients", clients, "required: a list of client names")
            clients = ()
        else:
            clients = self.text_list(clients, f"{path}.clients") or ()
        calendar = self.calendar_ref(data.get("calendar", _MISSING), f"{path}.calendar", calendars, required=True)
        pause = self.text_list(data.get("pause_statuses"), f"{path}.pause_statuses")
        resolved_raw = data.get("resolved_statuses", list(DEFAULT_RESOLVED_STATUSES))
        resolved = self.text_list(resolved_raw, f"{path}.resolved_statuses")
        fee = data.get("monthly_fee")
        if fee is not None and (isinstance(fee, bool) or not isinstance(fee, (int, Decimal)) or fee < 0):
            self.bad(f"{path}.monthly_fee", fee, "must be a non-negative amount, e.g. 20000")
            fee = None
        currency = data.get("currency")
        if currency is not None and not isinstance(currency, str):
            self.bad(f"{path}.currency", currency, "must be a currency code such as EUR")
        cap = self.share(data["credit_cap"], f"{path}.credit_cap") if "credit_cap" in data else Decimal(1)
        bonus_cap = self.share(data["bonus_cap"], f"{path}.bonus_cap") if data.get("bonus_cap") is not None else Decimal(1)
        payment = self.payment(data.get("payment"), f"{path}.payment")
        min_tickets = data.get("min_tickets", 0)
        if isinstance(min_tickets, bool) or not isinstance(min_tickets, int) or min_tickets < 0:
            self.bad(f"{path}.min_tickets", min_tickets, "must be a whole number of tickets, 0 or more")
            min_tickets = 0
        levels = {}
        raw_levels = data.get("service_levels", _MISSING)
        for name, level in self.mapping(raw_levels, f"{path}.service_levels").items():
            if str(name) == "TOTAL":  # the name of a contract's month in the credits output (docs/semantics.md §6)
                self.bad(f"{path}.service_levels.{name}", level, "TOTAL is reserved for a contract's total; "
                                                                 "name the service level otherwise")
                continue
            parsed = self.service_level(str(name), level, f"{path}.service_levels.{name}", calendars)
            if parsed:
                levels[str(name)] = parsed
        if isinstance(raw_levels, dict) and not raw_levels:
            self.bad(f"{path}.service_levels", raw_levels, "needs at least one service level")
        if any(level.settles for level in levels.values()):  # credits, a per-breach amount or bonuses (§8)
            if fee is None:
                self.bad(f"{path}.monthly_fee", _MISSING, "required where a service level has credits, a per-breach "
                                                         "amount or bonuses")
            elif fee <= 0:
                self.bad(f"{path}.monthly_fee", fee, "must be a positive amount where a service level has credits, "
                                                     "a per-breach amount or bonuses")
            if currency is None:
                self.bad(f"{path}.currency", _MISSING, "required where a service level has credits, a per-breach "
                                                      "amount or bonuses, e.g. EUR")
        if len(self.problems) > before:
            return None
        return Contract(key=key, name=str(data.get("name", key)), clients=clients, calendar=calendar,
                        service_levels=levels, pause_statuses=pause or (), resolved_statuses=resolved or (),
                        monthly_fee=None if fee is None else Decimal(fee), currency=currency,
                        credit_cap=cap, min_tickets=int(min_tickets), bonus_cap=bonus_cap if bonus_cap is not None
                        else Decimal(1), payment=payment)

    def calendar_ref(self, value: Any, path: str, calendars: set[str], required: bool) -> str | None:
        if value is _MISSING or value is None:
            if required:
                self.bad(path, _MISSING, "required: the name of a calendar under calendars")
            return None
        if str(value) not in calendars:
            known = ", ".join(sorted(calendars)) or "none defined"
            self.bad(path, value, f"unknown calendar; defined calendars: {known}")
            return None
        return str(value)

    def service_level(self, name: str, data: Any, path: str, calendars: set[str]) -> ServiceLevel | None:
        data = self.mapping(data, path)
        if not data:
            return None
        self.unknown_keys(data, path, ("metric", "targets", "calendar", "objective", "credits", "per_breach", "bonus",
                                       "pause_statuses", "priorities", "satisfied_at_least"))
        before = len(self.problems)
        metric = data.get("metric", _MISSING)
        if metric not in METRICS:
            self.bad(f"{path}.metric", metric, f"must be one of {{{', '.join(METRICS)}}}")
        if metric in TICKET_METRICS:
            return self.outcome_level(name, metric, data, path, before)
        for key in ("priorities", "satisfied_at_least"):
            if key in data:
                self.bad(f"{path}.{key}", data[key], "only on a level measured on ticket outcomes "
                         f"({', '.join(TICKET_METRICS)}); a {metric} level names its priorities in targets"
                         if key == "priorities" else "only on a satisfaction level")
        targets = {}
        raw_targets = self.mapping(data.get("targets", _MISSING), f"{path}.targets")
        for priority, value in raw_targets.items():
            seconds = parse_duration(value)
            if seconds is None:
                self.bad(f"{path}.targets.{priority}", value,
                         "not a duration; write lower-case h and m units, e.g. 15m, 4h, 1h30m, 90m")
            else:
                targets[str(priority)] = seconds
        if isinstance(data.get("targets"), dict) and not raw_targets:
            self.bad(f"{path}.targets", raw_targets, "needs at least one priority, e.g. {P1: 4h}")
        calendar = self.calendar_ref(data.get("calendar"), f"{path}.calendar", calendars, required=False)
        objective, tiers, bonus, per_breach = self.money_terms(data, path)
        pause = data.get("pause_statuses", None)
        pause = None if "pause_statuses" not in data else self.text_list(pause, f"{path}.pause_statuses")
        if len(self.problems) > before:
            return None
        return ServiceLevel(name=name, metric=metric, targets=targets, objective=objective, calendar=calendar,
                            credits=tiers, pause_statuses=pause, per_breach=per_breach, bonus=bonus)

    def money_terms(self, data: dict, path: str) -> tuple[Decimal | None, tuple[Tier, ...], tuple[BonusTier, ...],
                                                          Decimal | None]:
        """(objective, credit tiers, bonus tiers, per-breach amount) of a service level."""
        objective = None
        if "objective" not in data:
            self.bad(f"{path}.objective", _MISSING, "required: a share from 0 to 1 (e.g. 0.95)")
        else:
            objective = self.share(data["objective"], f"{path}.objective")
        tiers = self.tiers(data.get("credits"), f"{path}.credits")
        bonus = self.bonus_tiers(data.get("bonus"), f"{path}.bonus")
        per_breach = None
        if data.get("per_breach") is not None:
            value = data["per_breach"]
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value < 0:
                self.bad(f"{path}.per_breach", value, "must be an amount owed per breached ticket, 0 or more, e.g. 50")
            else:
                per_breach = Decimal(value)
        return objective, tiers, bonus, per_breach

    def outcome_level(self, name: str, metric: str, data: dict, path: str, before: int) -> ServiceLevel | None:
        """A service level on ticket outcomes (docs/semantics.md §9): no clock, so no targets, calendar or
        pauses; ``priorities`` may restrict it, ``satisfied_at_least`` sets a satisfaction level's bar."""
        for key, why in (("targets", "it has no clock; to cover only some priorities, write priorities: [P1, P2]"),
                         ("calendar", "it has no clock, so no business hours"),
                         ("pause_statuses", "it has no clock to pause")):
            if key in data:
                self.bad(f"{path}.{key}", data[key], f"not allowed on a {metric} level: {why}")
        priorities = None
        if "priorities" in data:
            raw = data["priorities"]
            if not isinstance(raw, list) or not raw or any(isinstance(p, (bool, dict, list)) or p is None for p in raw):
                self.bad(f"{path}.priorities", raw, "must be a list of priorities, e.g. [P1, P2]")
            else:
                priorities = tuple(dict.fromkeys(str(p) for p in raw))
        satisfied = None
        if metric == "satisfaction":
            satisfied = DEFAULT_SATISFIED_AT_LEAST
            if "satisfied_at_least" in data:
                value = data["satisfied_at_least"]
                if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not 1 <= value <= 5:
                    self.bad(f"{path}.satisfied_at_least", value, "must be a rating from 1 to 5, e.g. 4")
                else:
                    satisfied = Decimal(value)
        elif "satisfied_at_least" in data:
            self.bad(f"{path}.satisfied_at_least", data["satisfied_at_least"], "only on a satisfaction level")
        objective, tiers, bonus, per_breach = self.money_terms(data, path)
        if len(self.problems) > before:
            return None
        return ServiceLevel(name=name, metric=metric, targets={}, objective=objective, credits=tiers,
                            per_breach=per_breach, bonus=bonus, priorities=priorities, satisfied_at_least=satisfied)

    def bonus_tiers(self, data: Any, path: str) -> tuple[BonusTier, ...]:
        return self.share_pairs(data, path, ("at_least", "bonus"), BonusTier, "{at_least: 0.98, bonus: 0.01}")

    def payment(self, data: Any, path: str) -> Payment | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            self.bad(path, data, "must be a mapping such as {method: invoice_credit, claim_within_days: 30}")
            return None
        self.unknown_keys(data, path, ("method", "claim_within_days"))
        method, days = data.get("method", _MISSING), data.get("claim_within_days", _MISSING)
        if method not in PAYMENT_METHODS:
            self.bad(f"{path}.method", method, f"must be one of {', '.join(PAYMENT_METHODS)}")
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            self.bad(f"{path}.claim_within_days", days, "must be a whole number of days, 0 or more")
            return None
        return Payment(method=str(method), claim_within_days=int(days)) if method in PAYMENT_METHODS else None

    def tiers(self, data: Any, path: str) -> tuple[Tier, ...]:
        return self.share_pairs(data, path, ("below", "credit"), Tier, "{below: 0.95, credit: 0.05}")

    def share_pairs(self, data: Any, path: str, keys: tuple[str, str], make, example: str) -> tuple:
        """A list of tiers, each a mapping of two shares (credit tiers, bonus tiers): ``make(**shares)`` each."""
        if data is None:
            return ()
        if not isinstance(data, list):
            self.bad(path, data, f"must be a list of tiers such as [{example}]")
            return ()
        out = []
        for i, tier in enumerate(data):
            where = f"{path}[{i}]"
            if not isinstance(tier, dict):
                self.bad(where, tier, f"must be a tier such as {example}")
                continue
            self.unknown_keys(tier, where, keys)
            missing = [k for k in keys if k not in tier]
            for key in missing:
                self.bad(f"{where}.{key}", _MISSING, "required: a share from 0 to 1")
            if missing:
                continue
            shares = {k: self.share(tier[k], f"{where}.{k}") for k in keys}
            if all(v is not None for v in shares.values()):
                out.append(make(**shares))
        return tuple(out)


class _Missing:
    def __repr__(self) -> str:
        return "missing"


_MISSING: Any = _Missing()

_ZONES: set[str] | None = None


def known_zone(name: str) -> bool:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    if name in _ZONES:
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _day_range(key: str) -> list[int] | None:
    parts = key.strip().lower().split("-")
    if len(parts) == 1 and parts[0] in DAYS:
        return [DAYS.index(parts[0])]
    if len(parts) == 2 and all(p in DAYS for p in parts):
        first, last = DAYS.index(parts[0]), DAYS.index(parts[1])
        return list(range(first, last + 1)) if first <= last else None
    return None


def _interval(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, str):
        return None
    match = _INTERVAL.match(value.replace(" ", ""))
    if not match:
        return None
    h1, m1, h2, m2 = map(int, match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        return None
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    return (start, end) if start < end else None


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
