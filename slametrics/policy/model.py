"""The policy's model (docs/semantics.md §2): calendars, contracts, service levels, objectives, credit
tiers, and the policy file's duration notation. Frozen dataclasses; nothing here reads a file."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, get_args


ClockMetric = Literal["first_response", "resolution"]
TicketMetric = Literal["first_contact_resolution", "not_reopened", "satisfaction"]
Metric = Literal[ClockMetric, TicketMetric]
#: measured by a business-time clock against targets (docs/semantics.md §3)
CLOCK_METRICS: tuple[str, ...] = get_args(ClockMetric)
#: measured on the ticket's outcome once it is resolved, with no clock (docs/semantics.md §9)
TICKET_METRICS: tuple[str, ...] = get_args(TicketMetric)
METRICS: tuple[str, ...] = CLOCK_METRICS + TICKET_METRICS
Measure = Literal["clock", "ticket"]
MEASURES: tuple[str, ...] = get_args(Measure)
DEFAULT_SATISFIED_AT_LEAST = Decimal(4)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_RESOLVED_STATUSES = ("resolved", "closed", "solved")

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")


@dataclass(frozen=True)
class Calendar:
    """Working time: local intervals per weekday (0 = Monday), in seconds from local midnight."""

    name: str
    timezone: str
    hours: tuple[tuple[tuple[int, int], ...], ...]  # 7 days, each a sorted tuple of (start, end)
    always: bool = False
    holiday_dates: tuple[dt.date, ...] = ()
    country: str | None = None
    subdivision: str | None = None

    def holidays_between(self, first: dt.date, last: dt.date) -> set[dt.date]:
        """Local dates in [first, last] on which nothing counts."""
        days = {d for d in self.holiday_dates if first <= d <= last}
        if self.country:
            import holidays as holidays_lib

            found = holidays_lib.country_holidays(
                self.country, subdiv=self.subdivision, years=range(first.year, last.year + 1)
            )
            days |= {d for d in found if first <= d <= last}
        return days


@dataclass(frozen=True)
class Tier:
    below: Decimal
    credit: Decimal


@dataclass(frozen=True)
class BonusTier:
    """At or above ``at_least`` compliance, the provider earns ``bonus`` of the monthly fee (§8)."""

    at_least: Decimal
    bonus: Decimal


@dataclass(frozen=True)
class Payment:
    """How a credit is settled and until when it can be claimed (§8)."""

    method: str  # invoice_credit | direct_payment
    claim_within_days: int


@dataclass(frozen=True)
class ServiceLevel:
    name: str
    metric: str
    targets: dict[str, int]  # priority -> business seconds
    objective: Decimal
    calendar: str | None = None
    credits: tuple[Tier, ...] = ()
    pause_statuses: tuple[str, ...] | None = None
    per_breach: Decimal | None = None  # an amount owed per breached clock (§8); None: not set
    bonus: tuple[BonusTier, ...] = ()
    #: ticket-outcome levels only (§9): the priorities covered (None: every priority), and for
    #: ``satisfaction`` the lowest rating that satisfies
    priorities: tuple[str, ...] | None = None
    satisfied_at_least: Decimal | None = None

    @property
    def measure(self) -> str:
        """'clock' (a business-time clock against ``targets``) or 'ticket' (the ticket's outcome, §9)."""
        return "clock" if self.metric in CLOCK_METRICS else "ticket"

    @property
    def settles(self) -> bool:
        """Whether the level gets a row in credits: it has tiers, a per-breach amount (even 0) or bonuses."""
        return bool(self.credits) or self.per_breach is not None or bool(self.bonus)


@dataclass(frozen=True)
class Contract:
    key: str
    name: str
    clients: tuple[str, ...]
    calendar: str
    service_levels: dict[str, ServiceLevel]
    pause_statuses: tuple[str, ...] = ()
    resolved_statuses: tuple[str, ...] = DEFAULT_RESOLVED_STATUSES
    monthly_fee: Decimal | None = None
    currency: str | None = None
    credit_cap: Decimal = Decimal(1)
    min_tickets: int = 0
    bonus_cap: Decimal = Decimal(1)
    payment: Payment | None = None
    #: the versions of its terms from later months on (docs/semantics.md §7), oldest first; the fields
    #: above are the contract's own terms, in force before the first amendment
    amendments: tuple["Amendment", ...] = ()

    def versions(self) -> list[tuple[str | None, str | None, "Contract"]]:
        """(first month, month after the last, terms) of each version, oldest first: None where open.
        The terms are a ``Contract`` of the same identity with one version only."""
        starts = [a.start for a in self.amendments]
        terms = [dataclasses.replace(self, amendments=())] + [a.terms for a in self.amendments]
        return list(zip([None, *starts], [*starts, None], terms))

    def in_force(self, month: str) -> "Contract":
        """The terms in force in ``month`` ('2026-08'): the last amendment from at or before it, or the
        contract's own terms before the first (docs/semantics.md §7)."""
        chosen = dataclasses.replace(self, amendments=()) if self.amendments else self
        for amendment in self.amendments:
            if amendment.start <= month[:7]:
                chosen = amendment.terms
        return chosen

    def calendar_of(self, level: ServiceLevel) -> str:
        return level.calendar or self.calendar

    def pausing_statuses(self, level: ServiceLevel) -> tuple[str, ...]:
        """Statuses in which this level's clock does not run (SLA_SPEC §3, Pauses)."""
        if level.metric == "first_response":
            return tuple(level.pause_statuses or ())
        own = self.pause_statuses if level.pause_statuses is None else level.pause_statuses
        return tuple(dict.fromkeys([*own, *self.resolved_statuses]))


@dataclass(frozen=True)
class Amendment:
    """A contract's terms from ``start`` ('YYYY-MM', the contract calendar's months) on."""

    start: str
    note: str | None
    terms: Contract  # the merged terms, a Contract of the same identity without amendments


@dataclass(frozen=True)
class Policy:
    calendars: dict[str, Calendar]
    contracts: dict[str, Contract]
    source: str = "policy"
    client_contract: dict[str, str] = field(default_factory=dict)

    @property
    def amended(self) -> bool:
        """Whether any contract's terms change over time."""
        return any(c.amendments for c in self.contracts.values())

    def in_force(self, month: str) -> "Policy":
        """The policy with every contract's terms as in force in ``month``."""
        if not self.amended:
            return self
        return dataclasses.replace(self, contracts={k: c.in_force(month) for k, c in self.contracts.items()})


def parse_duration(value: Any) -> int | None:
    """'1h30m' -> 5400 seconds; None where the text is not a duration."""
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value.strip())
    if not match or not value.strip():
        return None
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60


def format_duration(seconds: int) -> str:
    """5400 -> '1h30m' (the policy file's own notation)."""
    hours, minutes = divmod(int(seconds) // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
