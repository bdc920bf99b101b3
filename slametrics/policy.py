"""Policy files (SLA_SPEC §2): calendars, contracts, service levels, objectives and credit tiers.

The YAML is read with a safe loader that keeps every number as the decimal written, so
``objective: 0.95`` is exactly 95/100. Validation collects every mistake and raises one
``PolicyError`` naming file, key path, value and what is allowed; nothing is computed from a
broken policy.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from slametrics.errors import PolicyError

Metric = Literal["first_response", "resolution"]
METRICS: tuple[str, ...] = get_args(Metric)
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
class ServiceLevel:
    name: str
    metric: str
    targets: dict[str, int]  # priority -> business seconds
    objective: Decimal
    calendar: str | None = None
    credits: tuple[Tier, ...] = ()
    pause_statuses: tuple[str, ...] | None = None


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

    def calendar_of(self, level: ServiceLevel) -> str:
        return level.calendar or self.calendar

    def pausing_statuses(self, level: ServiceLevel) -> tuple[str, ...]:
        """Statuses in which this level's clock does not run (SLA_SPEC §3, Pauses)."""
        if level.metric == "first_response":
            return tuple(level.pause_statuses or ())
        own = self.pause_statuses if level.pause_statuses is None else level.pause_statuses
        return tuple(dict.fromkeys([*own, *self.resolved_statuses]))


@dataclass(frozen=True)
class Policy:
    calendars: dict[str, Calendar]
    contracts: dict[str, Contract]
    source: str = "policy"
    client_contract: dict[str, str] = field(default_factory=dict)


# --- reading ------------------------------------------------------------------------------------


class _DecimalLoader(yaml.SafeLoader):
    """Safe loader that reads floats as the exact decimal written."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except ArithmeticError:
        return text  # .inf/.nan: reported by validation as not a share


class _WrittenInt(int):
    """An int that prints as it was written: priority keys and client names are text (``01`` is "01")."""

    text: str

    def __new__(cls, value: int, text: str) -> "_WrittenInt":
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __str__(self) -> str:
        return self.text


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return _WrittenInt(yaml.SafeLoader.construct_yaml_int(loader, node), node.value)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)  # an impossible date: validation names it


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """Mapping keys that YAML would read as numbers stay the text written (``01: 1h`` and ``1: 2h`` differ)."""
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        seen: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
                key_node.tag = "tag:yaml.org,2002:str"
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:  # YAML would silently keep the last: say so instead
                    first = seen[key_node.value].start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key_node.value!r} appears twice (first on line {first}); keep one",
                        key_node.start_mark)
                seen[key_node.value] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_DecimalLoader.construct_mapping = _construct_mapping  # type: ignore[method-assign]
_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; raise ``PolicyError`` listing every mistake."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file; pass --policy PATH or create it") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: byte {exc.start + 1} is not UTF-8 text: save the policy as UTF-8") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from None
    return parse_policy(text, source=str(path))


MAX_POLICY_CHARS = 1_000_000  # a policy of a hundred contracts is under 100 kB
MAX_ALIASES = 200  # YAML aliases (*name): a few are handy, thousands are a bomb


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Validate policy YAML text; ``source`` names it in messages. Text beyond ``MAX_POLICY_CHARS`` or
    with more than ``MAX_ALIASES`` aliases is refused before it is built."""
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyError(f"{source}: {len(text):,} characters: a policy file is at most {MAX_POLICY_CHARS:,}")
    try:
        aliases = sum(isinstance(token, yaml.AliasToken) for token in yaml.scan(text))
    except yaml.YAMLError:
        aliases = 0  # reported below, with its line
    if aliases > MAX_ALIASES:
        raise PolicyError(f"{source}: {aliases:,} YAML aliases (*name): a policy file may use at most {MAX_ALIASES}")
    try:
        data = yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{source}:{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise PolicyError(f"{source}: nested too deeply to be a policy (lists or mappings within each other "
                          "thousands of times)") from None
    from slametrics.policy_check import Validator

    try:
        return Validator(source).policy(data)
    except RecursionError:
        raise PolicyError(f"{source}: nested too deeply to be a policy") from None


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
