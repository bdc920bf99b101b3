"""Who may sign in to the dashboard and what each one sees: the access file (``config/access.yaml``).

One entry per user: display name, role (``provider``, ``analyst`` or ``client``), the contracts of
a client, whether a client may use What-if, an optional e-mail (the identity an OIDC sign-in maps to)
and a bcrypt hash of the password. The file also holds the key that signs session cookies. It is
written by ``python -m slametrics users ...`` (never by hand for passwords); reading it validates
every entry against the policy and reports every mistake at once, like the policy's validation.

>>> access = load_access("config/access.yaml", policy)
>>> access.users["acme"].role, access.users["acme"].contracts
('client', ('acme',))
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

import bcrypt
import yaml

from slametrics.errors import AccessError
from slametrics.policy import Policy
from slametrics.policy.check import quoted
from slametrics.scope import EVERYTHING, Scope

Role = Literal["provider", "analyst", "client"]
ROLES: tuple[str, ...] = get_args(Role)
DEFAULT_ACCESS = Path("config/access.yaml")
COOKIE_NAME = "slametrics_session"
MIN_PASSWORD = 8
DEMO_PREFIX = "demo-"  # the demo users' passwords are this and their name (README)
#: failed sign-ins of one name within WINDOW seconds after which that name waits (docs/dashboard.md)
MAX_FAILURES, WINDOW = 5, 600
_HASH = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_USER_KEYS = ("name", "role", "contracts", "whatif", "email", "password")
# compared against when the name is unknown, so a wrong name takes as long as a wrong password
_DUMMY_HASH = bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds=12))


@dataclass(frozen=True)
class User:
    """One entry of the access file."""

    name: str
    display_name: str
    role: str
    password_hash: str
    contracts: tuple[str, ...] = ()
    whatif: bool = False
    email: str | None = None

    @property
    def can_upload(self) -> bool:
        return self.role == "provider"

    @property
    def sees_data_page(self) -> bool:
        return self.role in ("provider", "analyst")

    @property
    def sees_audit(self) -> bool:
        return self.role == "provider"

    @property
    def may_whatif(self) -> bool:
        return self.role != "client" or self.whatif

    def scope(self, policy: Policy) -> Scope:
        """What this user may read: every contract for the provider's staff, a client's own otherwise."""
        return EVERYTHING if self.role in ("provider", "analyst") else Scope.of(policy, self.contracts)


@dataclass(frozen=True)
class Access:
    """The access file: its users and the session cookie's settings."""

    users: dict[str, User] = field(default_factory=dict)
    cookie_key: str = ""
    cookie_name: str = COOKIE_NAME
    cookie_expiry_days: float = 1.0
    source: str = str(DEFAULT_ACCESS)

    def by_email(self, email: str | None) -> User | None:
        """The user whose e-mail this is (case-insensitive), for a sign-in through an identity provider."""
        if not email:
            return None
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email and u.email.lower() == wanted), None)


def default_access_path() -> Path:
    """The access file: ``$SLA_ACCESS`` or ``config/access.yaml``."""
    return Path(os.environ.get("SLA_ACCESS") or DEFAULT_ACCESS)


# --- passwords ------------------------------------------------------------------------------------


def hash_password(password: str, rounds: int = 12) -> str:
    """A bcrypt hash of ``password`` (``rounds`` 4 in test fixtures: each check then takes milliseconds)."""
    problem = password_problem(password)
    if problem:
        raise AccessError(problem)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None."""
    if len(password) < MIN_PASSWORD:
        return f"the password is too short: use at least {MIN_PASSWORD} characters"
    if len(password.encode("utf-8")) > 72:
        return "the password is too long: bcrypt reads at most 72 bytes"
    return None


def verify(user: User | None, password: str) -> bool:
    """True when ``password`` is the user's; an unknown user costs the same time and is False."""
    candidate = password.encode("utf-8")[:72]
    if user is None:
        bcrypt.checkpw(candidate, _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(candidate, user.password_hash.encode("ascii"))
    except ValueError:  # not a hash (validation reports it)
        return False


class Attempts:
    """Failed sign-ins per name: after ``MAX_FAILURES`` within ``WINDOW`` seconds the name waits until
    the oldest of them is ``WINDOW`` old. Thread-safe; one per server process."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> deque[float]:
        times = self._failures.setdefault(name.lower(), deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _waiting(self, times: deque[float], now: float) -> float:
        return max(0.0, times[-self.limit] + self.window - now) if len(times) >= self.limit else 0.0

    def wait(self, name: str, now: float | None = None) -> float:
        """Seconds ``name`` must wait before the next try (0: it may try now)."""
        now = time.time() if now is None else now
        with self._lock:
            return self._waiting(self._recent(name, now), now)

    def attempt(self, name: str, now: float | None = None) -> float:
        """Start a try of ``name``: the seconds it must wait (0: go on). A try that may go on counts as a
        failure at once, before its password is checked, so that tries made side by side are counted
        too; ``succeeded`` forgets them."""
        now = time.time() if now is None else now
        with self._lock:
            times = self._recent(name, now)
            waiting = self._waiting(times, now)
            if not waiting:
                times.append(now)
            return waiting

    def failed(self, name: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            self._recent(name, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name.lower(), None)


# --- reading --------------------------------------------------------------------------------------


def load_access(path: str | Path, policy: Policy | None, unhashed: str | None = None) -> Access:
    """Read and validate the access file; ``AccessError`` lists every mistake (contracts are checked
    against ``policy`` where it is given). ``unhashed`` names a user whose password may be unset or
    broken (``users passwd`` is how it gets set)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AccessError(f"{path}: no access file; create users with `python -m slametrics users add NAME "
                          "--role provider`") from None
    except OSError as exc:
        raise AccessError(f"{path}: cannot read the access file ({exc.strerror})") from None
    return parse_access(text, str(path), policy, unhashed)


def parse_access(text: str, source: str, policy: Policy | None, unhashed: str | None = None) -> Access:
    """Validate access YAML text; ``source`` names it in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise AccessError(f"{source}:{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    problems: list[str] = []
    bad = _reporter(source, problems)
    if not isinstance(data, dict):
        bad("(top level)", data, "must be a mapping with keys cookie and users")
        raise AccessError(problems)
    for key in data:
        if key not in ("cookie", "users"):
            bad(str(key), data[key], "unknown key; allowed: cookie, users")
    cookie = data.get("cookie")
    if not isinstance(cookie, dict):
        bad("cookie", cookie, "must be a mapping with key (a secret of at least 32 characters), name, expiry_days")
        cookie = {}
    key = cookie.get("key")
    if not isinstance(key, str) or len(key) < 32:
        bad("cookie.key", key, "must be a secret of at least 32 characters "
                                                       "(`python -m slametrics users add` writes one)")
    expiry = cookie.get("expiry_days", 1)
    if isinstance(expiry, bool) or not isinstance(expiry, (int, float)) or not 0 < expiry <= 30:
        bad("cookie.expiry_days", expiry, "must be a number of days above 0 and at most 30")
    name = cookie.get("name", COOKIE_NAME)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        bad("cookie.name", name, "must be a cookie name of letters, digits, _ and -")
    users_raw = data.get("users")
    if users_raw is None:
        users_raw = {}
    if not isinstance(users_raw, dict):
        bad("users", users_raw, "must be a mapping of user names to entries")
        users_raw = {}
    users = {}
    for raw_name, entry in users_raw.items():
        user = _user(str(raw_name), entry, policy, bad, hashed=str(raw_name) != unhashed)
        if user:
            users[user.name] = user
    emails: dict[str, str] = {}
    for user in users.values():
        if user.email:
            other = emails.setdefault(user.email.lower(), user.name)
            if other != user.name:
                bad(f"users.{user.name}.email", user.email, f"already the e-mail of {other!r}; an e-mail names one user")
    if problems:
        raise AccessError(problems)
    return Access(users=users, cookie_key=key, cookie_name=name, cookie_expiry_days=float(expiry), source=source)


def _reporter(source: str, problems: list[str]):
    def bad(path: str, value: Any, fix: str) -> None:
        secret = path.endswith(".password") or path == "cookie.key"
        shown = "missing" if value is None else "(not shown)" if secret else quoted(value)
        problems.append(f"{source}: {path}: {shown}: {fix}")

    return bad


def check_entry(access: Access, name: str, entry: dict[str, Any], policy: Policy | None,
                changing: bool = False) -> User:
    """A new user (or, ``changing``, a user's new entry) from ``entry`` (the keys of the file, without
    ``password``), checked as the file would be: every mistake at once, before anyone is asked for a
    password. The hash is left empty."""
    problems: list[str] = []
    bad = _reporter(access.source, problems)
    if changing and name not in access.users:
        problems.append(f"{access.source}: no user {name!r}; `users list` shows who there is")
    if not changing and name in access.users:
        problems.append(f"{access.source}: users.{name}: user exists; `users passwd {name}` sets a new password, "
                        f"`users remove {name}` removes it")
    user = _user(name, entry, policy, bad, hashed=False)
    other = access.by_email(user.email) if user else None
    if other and other.name != name:
        bad(f"users.{name}.email", user.email, f"already the e-mail of {other.name!r}; an e-mail names one user")
    if problems or user is None:
        raise AccessError(problems)
    return user


def _user(name: str, entry: Any, policy: Policy | None, bad, hashed: bool = True) -> User | None:
    path = f"users.{name}"
    if not _NAME.match(name):
        bad(path, name, "a user name is 1-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
    if not isinstance(entry, dict):
        bad(path, entry, "must be a mapping with name, role, password (and contracts for a client)")
        return None
    for key in entry:
        if key not in _USER_KEYS:
            bad(f"{path}.{key}", entry[key], f"unknown key; allowed: {', '.join(_USER_KEYS)}")
    role = entry.get("role")
    if role not in ROLES:
        bad(f"{path}.role", role, f"must be one of {', '.join(ROLES)}")
    contracts = entry.get("contracts") or []
    if isinstance(contracts, str):
        contracts = [contracts]
    if not isinstance(contracts, list) or not all(isinstance(c, str) for c in contracts):
        bad(f"{path}.contracts", contracts, "must be a list of contract keys of the policy, e.g. [acme]")
        contracts = []
    if role == "client" and not contracts:
        bad(f"{path}.contracts", None, "a client must have at least one contract (e.g. contracts: [acme])")
    if role in ("provider", "analyst") and contracts:
        bad(f"{path}.contracts", contracts, f"only clients have contracts: an {role} sees every contract"
            if role == "analyst" else f"only clients have contracts: a {role} sees every contract")
    if policy is not None:
        for c in contracts:
            if c not in policy.contracts:
                bad(f"{path}.contracts", c, f"unknown contract; the policy's contracts: {', '.join(policy.contracts)}")
    whatif = entry.get("whatif", role != "client")
    if not isinstance(whatif, bool):
        bad(f"{path}.whatif", whatif, "must be true or false")
    password = entry.get("password") if hashed else ""
    if hashed and (not isinstance(password, str) or not _HASH.match(password)):
        bad(f"{path}.password", password, f"must be a bcrypt hash; set it with `python -m slametrics users passwd {name}`")
    display = entry.get("name", name)
    if not isinstance(display, str) or not display.strip():
        bad(f"{path}.name", display, "must be the name shown on screen")
    email = entry.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        bad(f"{path}.email", email, "must be an e-mail address (the identity an OIDC sign-in maps to)")
    return User(name=name, display_name=str(display), role=str(role), password_hash=str(password),
                contracts=tuple(contracts), whatif=bool(whatif), email=email)


# --- writing --------------------------------------------------------------------------------------


def new_access(source: str | Path = DEFAULT_ACCESS) -> Access:
    """An access file with no users and a fresh cookie key."""
    return Access(cookie_key=secrets.token_hex(32), source=str(source))


def write_access(access: Access, path: str | Path) -> None:
    """Write the access file whole (a temporary file renamed over it, readable by its owner only)."""
    path = Path(path)
    users = {}
    for u in access.users.values():
        entry: dict[str, Any] = {"name": u.display_name, "role": u.role}
        if u.contracts:
            entry["contracts"] = list(u.contracts)
        if u.role == "client":
            entry["whatif"] = u.whatif
        if u.email:
            entry["email"] = u.email
        entry["password"] = u.password_hash
        users[u.name] = entry
    body = yaml.safe_dump({"cookie": {"name": access.cookie_name, "key": access.cookie_key,
                                      "expiry_days": access.cookie_expiry_days}, "users": users},
                          sort_keys=False, allow_unicode=True)
    text = ("# Who may sign in to the dashboard. Written by `python -m slametrics users ...`: keep it private\n"
            "# (password hashes, and the key that signs session cookies); never put a password here.\n" + body)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def with_user(access: Access, user: User) -> Access:
    return replace(access, users={**access.users, user.name: user})


def without_user(access: Access, name: str) -> Access:
    if name not in access.users:
        raise AccessError(f"{access.source}: no user {name!r}; `users list` shows who there is")
    rest = {k: u for k, u in access.users.items() if k != name}
    if access.users[name].role == "provider" and not any(u.role == "provider" for u in rest.values()):
        raise AccessError(f"{access.source}: {name!r} is the last provider: add another provider first "
                          "(nobody could manage the data or read the audit log)")
    return replace(access, users=rest)


def entry_of(user: User) -> dict[str, Any]:
    """The user as the file's keys (without the password)."""
    entry: dict[str, Any] = {"name": user.display_name, "role": user.role, "contracts": list(user.contracts),
                             "whatif": user.whatif}
    if user.email:
        entry["email"] = user.email
    return entry


def demo_users(policy: Policy, rounds: int = 12) -> list[tuple[User, str]]:
    """The demo's users and their passwords (README): a provider, an analyst and a client per contract,
    the first of them with What-if, the others without (so both kinds of client can be tried)."""
    wanted = [("provider", "Provider (demo)", "provider", ()), ("analyst", "Analyst (demo)", "analyst", ())]
    wanted += [(key, f"{c.name} (demo client)", "client", (key,)) for key, c in policy.contracts.items()]
    first_client = next((name for name, _, role, _ in wanted if role == "client"), None)
    out = []
    for name, display, role, contracts in wanted:
        password = f"{DEMO_PREFIX}{name}"
        out.append((User(name=name, display_name=display, role=role, password_hash=hash_password(password, rounds),
                         contracts=contracts, whatif=name == first_client), password))
    return out


def demo_passwords_in_use(access: Access) -> list[str]:
    """The users who still have their published demo password (``demo-NAME``, README): replace them
    before anyone else can reach the server."""
    return [u.name for u in access.users.values() if verify(u, f"{DEMO_PREFIX}{u.name}")]


def write_demo_users(path: str | Path, policy: Policy, rounds: int = 12) -> str | None:
    """Write the demo's users to a new access file (only where there is none); what to tell the person
    who runs the server: their names, roles and passwords (None where the file existed)."""
    path = Path(path)
    if path.exists():
        return None
    access = new_access(path)
    made = demo_users(policy, rounds)
    for user, _ in made:
        access = with_user(access, user)
    write_access(access, path)
    lines = [f"  {u.name:<10} password {secret:<16} {u.role}" + (f" of {', '.join(u.contracts)}" if u.contracts else "")
             for u, secret in made]
    return "\n".join([f"Demo users written to {path} (replace them before exposing the server: README, 'Users'):",
                      *lines])
