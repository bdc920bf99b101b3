"""Alert rules and whom to tell (docs/semantics.md §11): the ``alerts.yaml`` file beside the policy.

```yaml
defaults:                        # every contract's rules, unless it names its own
  used_share: [0.75, 0.9]        # a running clock past these shares of its target (escalating)
  due_within: 30m                # a running clock that breaches within this much business time
  budget_left_at_most: 1         # a service level that can take at most this many more breaches this month
  burn_rate_above: 1.5           # ... or uses its breach budget faster than the month passes
notify:                          # where alerts go, unless a contract names its own
  webhook: {url: "https://chat.example/hooks/T0", token_env: SLA_WEBHOOK_TOKEN}
  email: {to: [ops@example.com], from: sla@example.com, host: smtp.example.com, port: 587,
          starttls: true, user_env: SLA_SMTP_USER, password_env: SLA_SMTP_PASSWORD}
contracts:
  acme: {used_share: [0.5, 0.9], notify: {email: {to: [acme-desk@example.com], from: sla@example.com, host: localhost}}}
```

Secrets never stand in the file: it names the environment variables that hold them (``*_env``). A
missing file means the defaults and no notifications. Every mistake is reported at once with the file
and the key path, like the policy's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from slametrics.errors import PolicyError
from slametrics.policy import Policy, format_duration, parse_duration

ALERTS_FILE = "alerts.yaml"
RULE_KEYS = ("used_share", "due_within", "budget_left_at_most", "burn_rate_above")


@dataclass(frozen=True)
class Rules:
    """What fires for one contract: shares of a target used (ascending), business seconds before a breach,
    a breach budget left, a burn rate (None: that rule is off)."""

    used_share: tuple[Decimal, ...] = (Decimal("0.75"), Decimal("0.9"))
    due_within: int | None = 30 * 60
    budget_left_at_most: int | None = 1
    burn_rate_above: Decimal | None = Decimal("1.5")


@dataclass(frozen=True)
class Webhook:
    url: str
    token_env: str | None = None  # sent as "Authorization: Bearer <value>"


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    sender: str
    host: str
    port: int = 25
    starttls: bool = False
    user_env: str | None = None
    password_env: str | None = None


@dataclass(frozen=True)
class Notify:
    webhook: Webhook | None = None
    email: Email | None = None


@dataclass(frozen=True)
class Alerts:
    defaults: Rules = field(default_factory=Rules)
    contracts: dict[str, Rules] = field(default_factory=dict)
    notify: Notify = field(default_factory=Notify)
    notify_contracts: dict[str, Notify] = field(default_factory=dict)
    source: str = "alerts (defaults)"

    def rules(self, contract: str) -> Rules:
        return self.contracts.get(contract, self.defaults)

    def targets(self, contract: str) -> Notify:
        return self.notify_contracts.get(contract, self.notify)


def default_alerts_path(policy_path: str | Path) -> Path:
    """``alerts.yaml`` beside the policy file."""
    return Path(policy_path).resolve().parent / ALERTS_FILE


def load_alerts(path: str | Path | None, policy: Policy) -> Alerts:
    """The alert rules of ``path`` (defaults where it does not exist). Raises ``PolicyError`` naming every
    mistake."""
    if path is None or not Path(path).exists():
        return Alerts()
    from slametrics.policy.load import read_yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not a readable text file ({str(exc).splitlines()[0]})") from None
    return _Reader(str(path)).alerts(read_yaml(text, str(path)) or {}, policy)


class _Reader:
    def __init__(self, source: str):
        self.source, self.problems = source, []

    def bad(self, key: str, value: Any, allowed: str) -> None:
        from slametrics.policy.check import quoted, shorten

        def one(v: Any) -> str:
            return str(v) if isinstance(v, Decimal) else quoted(v)  # bounded, as the policy's messages

        shown = f"[{', '.join(one(v) for v in value[:20])}]" if isinstance(value, list) else one(value)
        self.problems.append(f"{self.source}: {shorten(key)}: {shown}: {allowed}")

    def mapping(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            self.bad(key, value, "must be a mapping")
            return {}
        return value

    def unknown(self, data: dict, key: str, allowed: tuple[str, ...]) -> None:
        for k in data:
            if k not in allowed:
                self.bad(f"{key}.{k}" if key else str(k), data[k], f"unknown key; allowed: {', '.join(allowed)}")

    def alerts(self, data: Any, policy: Policy) -> Alerts:
        data = self.mapping(data, "(file)")
        self.unknown(data, "", ("defaults", "notify", "contracts"))
        defaults = self.rules(data.get("defaults") or {}, "defaults", Rules())
        notify = self.notify(data.get("notify") or {}, "notify")
        contracts, targets = {}, {}
        for key, own in self.mapping(data.get("contracts") or {}, "contracts").items():
            where = f"contracts.{key}"
            if key not in policy.contracts:
                self.bad(where, key, f"no such contract in the policy ({', '.join(policy.contracts) or 'none'})")
                continue
            own = self.mapping(own, where)
            self.unknown(own, where, (*RULE_KEYS, "notify"))
            contracts[key] = self.rules({k: v for k, v in own.items() if k != "notify"}, where, defaults)
            if "notify" in own:
                targets[key] = self.notify(own["notify"] or {}, f"{where}.notify")
        if self.problems:
            raise PolicyError(self.problems)
        return Alerts(defaults, contracts, notify, targets, self.source)

    def rules(self, data: Any, key: str, base: Rules) -> Rules:
        data = self.mapping(data, key)
        if key == "defaults":
            self.unknown(data, key, RULE_KEYS)
        out = {}
        if "used_share" in data:
            shares = data["used_share"]
            shares = shares if isinstance(shares, list) else [shares]
            good = [Decimal(str(s)) for s in shares if not isinstance(s, bool) and isinstance(s, (int, float, Decimal))
                    and 0 < s < 1 and Decimal(str(s)).as_tuple().exponent >= -4]
            if shares and len(good) != len(shares):
                self.bad(f"{key}.used_share", data["used_share"],
                         "must be shares between 0 and 1 with at most 4 decimals, e.g. [0.75, 0.9]")
            out["used_share"] = tuple(sorted(set(good)))
        if "due_within" in data:
            value = data["due_within"]
            seconds = None if value is None else parse_duration(value)
            if seconds and seconds > 366 * 86400:
                seconds = None
            if value is not None and not seconds:
                self.bad(f"{key}.due_within", value, "must be a duration such as 30m or 2h (or null: off)")
            out["due_within"] = seconds
        if "budget_left_at_most" in data:
            value = data["budget_left_at_most"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9):
                self.bad(f"{key}.budget_left_at_most", value, "must be a whole number of breaches, 0 or more (or null)")
            out["budget_left_at_most"] = value if isinstance(value, int) and not isinstance(value, bool) else None
        if "burn_rate_above" in data:
            value = data["burn_rate_above"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, Decimal))
                                      or not Decimal(str(value)).is_finite() or value <= 0 or value > 1000):
                self.bad(f"{key}.burn_rate_above", value, "must be a positive number up to 1000, e.g. 1.5 (or null)")
                value = None
            out["burn_rate_above"] = None if value is None else Decimal(str(value))
        return Rules(**{**base.__dict__, **out})

    def notify(self, data: Any, key: str) -> Notify:
        data = self.mapping(data, key)
        self.unknown(data, key, ("webhook", "email"))
        webhook = email = None
        if data.get("webhook") is not None:
            hook = self.mapping(data["webhook"], f"{key}.webhook")
            self.unknown(hook, f"{key}.webhook", ("url", "token_env"))
            url = hook.get("url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                self.bad(f"{key}.webhook.url", url, "must be an http:// or https:// address")
            else:
                webhook = Webhook(url, self.env(hook, "token_env", f"{key}.webhook"))
        if data.get("email") is not None:
            mail = self.mapping(data["email"], f"{key}.email")
            self.unknown(mail, f"{key}.email", ("to", "from", "host", "port", "starttls", "user_env", "password_env"))
            to = mail.get("to")
            to = [to] if isinstance(to, str) else to
            if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
                self.bad(f"{key}.email.to", mail.get("to"), "must be one or more e-mail addresses")
            if not isinstance(mail.get("from"), str) or "@" not in mail.get("from", ""):
                self.bad(f"{key}.email.from", mail.get("from"), "must be the sender's e-mail address")
            if not isinstance(mail.get("host"), str) or not mail.get("host"):
                self.bad(f"{key}.email.host", mail.get("host"), "must name the SMTP server")
            port = mail.get("port", 25)
            if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
                self.bad(f"{key}.email.port", port, "must be a port number")
            if not isinstance(mail.get("starttls", False), bool):
                self.bad(f"{key}.email.starttls", mail.get("starttls"), "must be true or false")
            if not self.problems:
                email = Email(tuple(to), mail["from"], mail["host"], port, mail.get("starttls", False),
                              self.env(mail, "user_env", f"{key}.email"), self.env(mail, "password_env", f"{key}.email"))
        return Notify(webhook, email)

    def env(self, data: dict, name: str, key: str) -> str | None:
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or not value.replace("_", "").isalnum()):
            self.bad(f"{key}.{name}", value, "must name an environment variable, e.g. SLA_WEBHOOK_TOKEN")
            return None
        return value


def rule_names(rules: Rules) -> list[str]:
    """The clock rules of ``rules`` by rank, lowest first: each used share, then breached."""
    return [f"used {(share * 100).normalize():f}%" for share in rules.used_share] + ["breached"]


def due_rule(rules: Rules) -> str | None:
    return None if rules.due_within is None else f"due within {format_duration(rules.due_within)}"
