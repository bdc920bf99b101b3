"""What one reader may see: some contracts of the policy, and so only their clients' tickets.

Every engine function that reads the stored history (clocks, volume, inventory, last activity,
rejects, reconcile) takes a ``Scope``, and every SQL statement that reads ``tickets``, ``events``,
``status_spans`` or ``rejects`` binds its clients (``$clients``; ``$everyone`` where a statement can
also show tickets no contract covers). Computations on frames (compliance, credits, what-if,
breaches, trends) take what a scoped read returned and the scope's policy (``Scope.policy``), so
nothing downstream can widen it. The dashboard makes one scope per signed-in user
(docs/dashboard.md, "Who sees what"); the command line reads everything.

>>> policy = ...  # contracts acme (clients Acme GmbH, Acme Logistics GmbH) and hudson
>>> Scope.of(policy, ["acme"]).clients
('Acme GmbH', 'Acme Logistics GmbH')
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from slametrics.errors import AccessError
from slametrics.policy import Policy, tables


@dataclass(frozen=True)
class Scope:
    """The contracts a reader may see (``None``: every contract, and tickets no contract covers).

    ``clients`` are the clients of those contracts under the policy the scope was made with;
    ``everyone`` scopes (provider, analyst, the command line) bind every stored client.
    """

    contracts: tuple[str, ...] | None
    clients: tuple[str, ...] = ()

    @classmethod
    def everything(cls) -> "Scope":
        """Every contract and every stored ticket: the provider's view and the command line's."""
        return cls(contracts=None)

    @classmethod
    def of(cls, policy: Policy, contracts: Iterable[str]) -> "Scope":
        """The named contracts of ``policy`` (in policy order; keys the policy lacks are left out)."""
        wanted = set(contracts)
        keys = tuple(k for k in policy.contracts if k in wanted)
        clients = tuple(sorted({client for k in keys for client in policy.contracts[k].clients}))
        return cls(contracts=keys, clients=clients)

    @property
    def everyone(self) -> bool:
        return self.contracts is None

    def allows(self, contract: str) -> bool:
        return self.contracts is None or contract in self.contracts

    def require(self, contract: str) -> None:
        """Raise ``AccessError`` for a contract outside the scope (without naming what else exists)."""
        if not self.allows(contract):
            raise AccessError(f"contract {contract!r} is not in this session's scope")

    def policy(self, policy: Policy) -> Policy:
        """``policy`` with only the scope's contracts, the calendars they use and their clients."""
        if self.contracts is None:
            return policy
        contracts = {k: c for k, c in policy.contracts.items() if k in self.contracts}
        mine = replace(policy, contracts=contracts)
        used = {c.calendar for c in contracts.values()} | {
            sl.calendar for _, sl, _, _ in tables.levels(mine) if sl.calendar}  # every version's
        return replace(policy, contracts=contracts,
                       calendars={n: cal for n, cal in policy.calendars.items() if n in used},
                       client_contract={cl: k for cl, k in policy.client_contract.items() if k in contracts})

    def params(self) -> dict[str, object]:
        """The SQL parameters that confine a statement to the scope: ``$everyone`` and ``$clients``."""
        return {"everyone": self.everyone, "clients": list(self.clients)}

    @property
    def key(self) -> tuple:
        """A hashable key of what the scope shows (for caches)."""
        return ("*",) if self.contracts is None else (self.contracts, self.clients)


#: every contract and every stored ticket (the command line, the provider, tests)
EVERYTHING = Scope.everything()
