"""Sign-in: the form (or an identity provider), the session cookie, the limit on failures, sign-out.

``signed_in()`` runs first in every run of the entry script; while it is None every page draws
``sign_in_screen()`` instead of its content (``ui.app.entered``). Passwords are checked
against the access file's bcrypt hashes (``slametrics.access``); the session cookie is
streamlit-authenticator's (a JWT signed with the access file's key), so a browser stays signed in
across tabs and reloads until it expires or the user signs out. With Streamlit's own OIDC sign-in
configured (``[auth]`` in ``.streamlit/secrets.toml``), the identity provider's e-mail is mapped to
a user of the access file (docs/dashboard.md, "Signing in").
"""
from __future__ import annotations

import math
import time

import streamlit as st

from slametrics import access as acc
from slametrics.errors import AccessError
from ui import format as fmt
from ui import session

_SET_COOKIE = "_set_cookie"
_SIGNED_OUT = "_signed_out"  # set by Sign out: the next run deletes the cookie and says so
_COOKIE_SET = "set"  # the cookie library's component key: True once the browser has stored the cookie


def _cookies(access: acc.Access):
    """streamlit-authenticator's cookie handling, made only in a run that sets or deletes the cookie
    (it draws a hidden component that reruns the page once loaded)."""
    from streamlit_authenticator.controllers import CookieController

    st.session_state.setdefault("logout", None)  # the library reads these keys
    st.session_state.setdefault("username", None)
    return CookieController(access.cookie_name, access.cookie_key, access.cookie_expiry_days)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file: Streamlit raises its own error type here
        return False


def _unknown_identity() -> None:
    """An identity provider signed someone in whose e-mail no user of the access file has."""
    st.error("You are signed in with your organisation's account, but its e-mail has no access to this "
             "dashboard. Ask the provider to add it (`users add NAME --email ...`).", icon=":material/no_accounts:")
    st.button("Sign out", on_click=st.logout, key="oidc_sign_out")


def _begin(user: acc.User, how: str) -> None:
    st.session_state[session.USER_KEY] = user.name
    st.session_state[session.KEY_KEY] = session.key_id(session.access())
    st.session_state[session.SINCE_KEY] = time.time()
    st.session_state["username"] = user.name
    st.session_state["logout"] = None
    session.record("sign_in", detail=how)


def _sign_in_form(access: acc.Access) -> acc.User | None:
    with st.form("sign_in", clear_on_submit=False, enter_to_submit=True):
        st.subheader("Sign in")
        name = st.text_input("Username", key="signin_username", max_chars=64, autocomplete="username")
        password = st.text_input("Password", type="password", key="signin_password", max_chars=128,
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")
    if not submitted:
        return None
    name = (name or "").strip()
    if not name or not password:
        st.error("Enter your user name and your password.", icon=":material/error:")
        return None
    limit = session.attempts()
    wait = limit.attempt(name)  # counted as failed until the password proves right
    if wait:
        session.record("sign_in_refused", detail=f"{limit.limit} failures within {limit.window // 60:.0f} minutes",
                       name=name)
        st.error(f"Too many failed sign-ins for this user name. Try again in {math.ceil(wait / 60)} "
                 f"minute{'s' if math.ceil(wait / 60) != 1 else ''}.", icon=":material/timer:")
        return None
    user = access.users.get(name)
    if not acc.verify(user, password):
        session.record("sign_in_failed", name=name)
        st.error("Wrong user name or password.", icon=":material/error:")
        return None
    limit.succeeded(name)
    return user


def sign_in_screen() -> None:
    """The sign-in screen, drawn by whichever page was asked for (so a link keeps its page and view);
    after a good sign-in the run starts again as that user."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("SLA dashboard")
        st.caption("Service levels, compliance and credits of your helpdesk contracts. Sign in to continue.")
        try:
            access = session.access()
        except AccessError as exc:
            st.error("No one can sign in yet: there is no access file. On the server, add a user with "
                     "`./run cli users add NAME --role provider`." if not session.access_path().exists() else
                     f"The access file cannot be used ({len(exc.problems)} problem"
                     f"{'s' if len(exc.problems) != 1 else ''}): nobody can sign in until it is fixed. On the "
                     "server, `./run cli users check` lists them.", icon=":material/error:")
            return
        if st.session_state.pop(_SIGNED_OUT, False):
            st.success("You have signed out.", icon=":material/logout:")
        if st.user.get("is_logged_in"):
            _unknown_identity()
            return
        if _oidc_configured():
            st.button("Sign in with your organisation's account", on_click=st.login, key="oidc_sign_in",
                      icon=":material/badge:")
        user = _sign_in_form(access)
        if user is not None:
            _begin(user, "password")
            st.session_state.pop(_COOKIE_SET, None)  # a cookie of an earlier sign-in in this tab is gone
            st.session_state[_SET_COOKIE] = True
            st.rerun()  # draws the app; the cookie is set in that run


def _token(access: acc.Access) -> dict | None:
    """The session cookie the browser sent, if it is one the access file's key signed (HS256, the
    library's format) and has not expired; None for none, an expired, a forged or a broken one.

    Read here rather than through the library's cookie manager, which draws a browser component on
    every run that reruns the page once it has loaded: a sign-in pressed during that rerun was lost.
    """
    import jwt

    raw = st.context.cookies.get(access.cookie_name)
    if not isinstance(raw, str) or not raw or st.session_state.get("logout"):
        return None
    try:
        token = jwt.decode(raw, access.cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    expires = token.get("exp_date") if isinstance(token, dict) else None
    if not isinstance(token.get("username") if isinstance(token, dict) else None, str) \
            or not isinstance(expires, (int, float)) or expires <= time.time():
        return None
    return token


def signed_in() -> acc.User | None:
    """The session's user: signed in before, through the identity provider, or by a valid session
    cookie (a new tab, a reload). Draws nothing but, in the run after a sign-in or a sign-out, the cookie
    library's hidden component that sets or deletes the cookie."""
    try:
        access = session.access()
    except AccessError:
        return None
    if st.session_state.get(_SIGNED_OUT):
        _cookies(access).delete_cookie()  # in the run after Sign out, which draws the sign-in screen
    user = session.user()
    if user is None and st.session_state.get(session.USER_KEY):  # removed meanwhile, or a new cookie key
        st.session_state.pop(session.USER_KEY)
    if user is None and st.user.get("is_logged_in"):
        user = access.by_email(st.user.get("email"))
        if user is not None:
            _begin(user, "identity provider")
    token = _token(access) if user is None else None
    if token is not None:
        user = access.users.get(token["username"])
        if user is not None and session.revoked(user.name, token["exp_date"] - access.cookie_expiry_days * 86400):
            user = None  # the user signed out after this cookie was made: it is void
        if user is not None:
            _begin(user, "session cookie")
    if user is not None and st.session_state.get(_SET_COOKIE):
        if st.session_state.get(_COOKIE_SET) is True:  # the browser has it
            st.session_state.pop(_SET_COOKIE)
        else:  # on every run until the browser says so: a rerun can remove the component before it loads
            _cookies(access).set_cookie()
    return user


def sidebar(user: acc.User) -> acc.User:
    """The signed-in user's name and role, Sign out, and (for the provider) a warning while demo
    passwords still work."""
    from ui import data

    side = st.sidebar
    if user.role == "client":
        policy = data.policy_state().policy
        names = [policy.contracts[k].name for k in user.contracts if k in policy.contracts] if policy else []
        role = f"Client: {', '.join(map(fmt.text, names))}" if names else "Client"
    else:
        role = {"provider": "Provider: every contract", "analyst": "Analyst: every contract, read-only"}[user.role]
    side.markdown(f"**{fmt.text(user.display_name)}**  \n{role}")
    side.button("Sign out", key="sign_out", icon=":material/logout:", on_click=_sign_out)
    if user.role == "provider":
        demo = session.demo_passwords()
        if demo:
            side.warning(f"{', '.join(demo)} can still sign in with the published demo password. Replace "
                         "them before anyone else can reach this server (README, 'Users').", icon=":material/key:")
    return user


def _sign_out() -> None:
    session.record("sign_out")
    session.revoke(st.session_state.get(session.USER_KEY))
    st.session_state.pop(session.USER_KEY, None)
    st.session_state["logout"] = True  # the library then ignores this session's cookie
    st.session_state[_SIGNED_OUT] = True
    if st.user.get("is_logged_in"):
        st.logout()
