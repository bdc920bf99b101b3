"""Who this browser session is, and so what it may read: its user and its ``Scope``.

The signed-in user's name lives in ``st.session_state`` (server-side: no URL or widget sets it) and
is looked up in the access file on every run, so a user removed from it, or given other contracts,
is changed at their next step. Every read in ``ui.data`` takes ``scope()``; pages never choose it.
Nobody signed in sees nothing (an empty scope), whatever calls it.
"""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import streamlit as st

from slametrics import access as acc
from slametrics import audit
from slametrics.errors import AccessError
from slametrics.scope import EVERYTHING, Scope

ROOT = Path(__file__).resolve().parents[1]
USER_KEY = "_signed_in"  # the session's user name
SINCE_KEY = "_signed_in_since"  # when this session signed in (epoch seconds)
KEY_KEY = "_signed_in_key"  # which cookie key it signed in under: a new key (`users new-key`) ends the session
NOBODY = Scope(contracts=())
_REVOKE_LOCK = threading.Lock()


def access_path() -> Path:
    """The access file: ``$SLA_ACCESS`` or ``config/access.yaml`` in the project."""
    return Path(os.environ.get("SLA_ACCESS") or ROOT / acc.DEFAULT_ACCESS)


def audit_path() -> Path:
    """The audit log: ``$SLA_AUDIT`` or ``audit.jsonl`` beside the database."""
    from ui import data

    return Path(os.environ.get("SLA_AUDIT") or data.db_path().parent / "audit.jsonl")


@st.cache_resource(show_spinner=False, max_entries=4)
def _access(path: str, version: tuple, policy_version: tuple) -> acc.Access:
    from ui import data

    state = data.policy_state()
    try:
        return acc.load_access(path, state.policy)  # a broken policy: contracts are not checked
    except AccessError as exc:
        print("\n".join(["The access file cannot be used:", *exc.problems]), file=sys.stderr)
        raise


def access() -> acc.Access:
    """The access file as it is now (read again whenever it or the policy changes); AccessError where
    it is missing or broken (its problems are printed on the server's terminal, never on screen)."""
    from ui import data

    path = access_path()
    return _access(str(path), data.file_version(path), data.file_version(data.policy_path()))


@st.cache_resource(show_spinner=False, max_entries=4)
def _demo_passwords(path: str, version: tuple) -> list[str]:
    return acc.demo_passwords_in_use(access())


def demo_passwords() -> list[str]:
    """Users who still sign in with the published demo password (checked once per access-file version)."""
    from ui import data

    try:
        return _demo_passwords(str(access_path()), data.file_version(access_path()))
    except AccessError:
        return []


@st.cache_resource(show_spinner=False)
def attempts() -> acc.Attempts:
    """Failed sign-ins per name, for every session of this server."""
    return acc.Attempts()


def user() -> acc.User | None:
    """The signed-in user, or None (also where the access file no longer lists them, the cookie key
    changed, or the user signed out in another tab since this session began)."""
    name = st.session_state.get(USER_KEY)
    if name is None:
        return None
    try:
        current = access()
    except AccessError:
        return None
    if st.session_state.get(KEY_KEY) != key_id(current) or revoked(name, st.session_state.get(SINCE_KEY, 0.0)):
        return None
    return current.users.get(name)


def revocations_path() -> Path:
    """Who signed out when (``signed_out.json`` beside the audit log): sessions and cookies of a user
    begun before their latest sign-out are void."""
    return audit_path().parent / "signed_out.json"


@st.cache_resource(show_spinner=False, max_entries=4)
def _revocations(path: str, version: tuple) -> dict[str, float]:
    import json

    try:
        found = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in found.items()} if isinstance(found, dict) else {}


def revoked(name: str, since: float) -> bool:
    """True when ``name`` signed out after ``since`` (epoch seconds): a session or cookie begun then is void."""
    from ui import data

    path = revocations_path()
    return _revocations(str(path), data.file_version(path)).get(name, float("-inf")) >= since


def revoke(name: str | None) -> None:
    """Sign ``name`` out everywhere: every session and session cookie of theirs made before now is void."""
    import json
    import tempfile
    import time

    from ui import data

    if not name:
        return
    path = revocations_path()
    with _REVOKE_LOCK:
        current = dict(_revocations(str(path), data.file_version(path)))
        current[name] = time.time()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signed_out.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(current, out)
        os.replace(tmp, path)



def key_id(current: acc.Access) -> str:
    """A short fingerprint of the access file's cookie key (the key itself never goes into session state)."""
    import hashlib

    return hashlib.sha256(current.cookie_key.encode()).hexdigest()[:16]


def scope() -> Scope:
    """The scope of this session's reads: the signed-in user's, or nothing."""
    from ui import data

    who = user()
    policy = data.policy_state().policy
    if who is None:
        return NOBODY
    if policy is None:  # nothing is computed from a broken policy; a client's contracts cannot be resolved
        return NOBODY if who.role == "client" else EVERYTHING
    return who.scope(policy)


def record(event: str, contract: str | None = None, detail: str | None = None, name: str | None = None) -> None:
    """An audit entry for this session's user (or ``name``, for a sign-in attempt), with the address the
    request came from where Streamlit knows it."""
    who = name if name is not None else st.session_state.get(USER_KEY) or "(nobody)"
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a browser session
        address = None
    audit.record(audit_path(), who, event, contract=contract, detail=detail,
                 address=address if isinstance(address, str) else None)  # (AppTest has no address)


def download_button(label: str, data, file_name: str, mime: str, contract: str | None, **kwargs) -> None:
    """``st.download_button`` whose click is written to the audit log (who, what file, which contract)."""
    st.download_button(label, data, file_name=file_name, mime=mime, icon=":material/download:",
                       on_click=record, args=("download", contract, file_name), **kwargs)
