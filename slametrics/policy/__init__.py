"""Policies (docs/semantics.md §2): the model (``model``), reading a file (``load``), validating it
(``check``) and writing one back (``write``). Everything a caller needs is importable from here."""
from slametrics.policy.load import MAX_ALIASES, MAX_POLICY_CHARS, load_policy, parse_policy
from slametrics.policy.model import (CLOCK_METRICS, DAYS, DEFAULT_RESOLVED_STATUSES, DEFAULT_SATISFIED_AT_LEAST,
                                     MEASURES, METRICS, TICKET_METRICS, Amendment, BonusTier, Calendar, Contract, Metric,
                                     Payment, Policy, ServiceLevel, Tier, format_duration,
                                     parse_duration)
from slametrics.policy.write import policy_to_yaml

__all__ = ["CLOCK_METRICS", "DEFAULT_SATISFIED_AT_LEAST", "MEASURES", "TICKET_METRICS", "Amendment", "BonusTier", "Payment", "DAYS", "DEFAULT_RESOLVED_STATUSES", "MAX_ALIASES", "MAX_POLICY_CHARS", "METRICS", "Calendar", "Contract",
           "Metric", "Policy", "ServiceLevel", "Tier", "format_duration", "load_policy", "parse_duration",
           "parse_policy", "policy_to_yaml"]
