"""Ten people at once: concurrent dashboard sessions against one app (AppTest threads in one process, which
share its caches as a server's sessions do), each signing in and visiting every page; the server-side
time of each page and the memory each extra session costs.

    python bench/sessions.py --db bench/work/bench.duckdb --sessions 10

Part of ``bench/run.py`` (``sessions_p95_s``, ``rss_per_extra_session_mb``). The sessions are a
provider's and clients' of the policy's contracts in turn: each scope's clocks are evaluated once and
shared by its sessions (``ui.data``), so memory grows per scope, not per session. A browser's own
rendering is not timed: on this 2-core machine ten headless browsers would measure themselves.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_PARSE = threading.Lock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    """Streamlit parses each page for its magic on every run; CPython 3.11's parser is not safe to enter
    from two threads at once (``SystemError: AST constructor recursion depth mismatch``)."""
    with _PARSE:
        return _parse(*args, **kwargs)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _users(policy_path: Path, access: Path, n: int) -> list[tuple[str, str]]:
    """``n`` users: providers and clients of each contract in turn (bcrypt cost 4)."""
    from slametrics import access as acc
    from slametrics.policy import load_policy

    contracts = list(load_policy(policy_path).contracts)
    users, made = acc.new_access(access), []
    for k in range(n):
        role = "provider" if k % 2 == 0 else "client"
        name = f"bench{k}"
        users = acc.with_user(users, acc.User(
            name=name, display_name=f"Session {k}", role=role, whatif=True,
            contracts=(contracts[(k // 2) % len(contracts)],) if role == "client" else (),
            password_hash=acc.hash_password(f"{name}-password", rounds=4)))
        made.append((name, f"{name}-password"))
    acc.write_access(users, access)
    return made


def sessions(db: Path, policy: Path, n: int = 10, timeout: float = 600) -> dict:
    """One session visits every page (its memory is the baseline), then ``n`` do at once."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    entry = ROOT / "dashboard.py"
    names = re.findall(r"st\.Page\(\s*[\"'](pages/[^\"']+\.py)[\"']", entry.read_text(encoding="utf-8"))
    os.environ["SLA_DB"], os.environ["SLA_POLICY"] = str(db), str(policy)
    os.environ["SLA_ACCESS"] = str(db.parent / "sessions-access.yaml")
    os.environ["SLA_AUDIT"] = str(db.parent / "sessions-audit.jsonl")
    users = _users(policy, db.parent / "sessions-access.yaml", n)
    st.cache_data.clear()
    st.cache_resource.clear()
    lock = threading.Lock()
    retried: list[str] = []  # page runs AppTest itself failed (not the app), run again
    harness: list[str] = []  # page runs AppTest failed twice: not measured

    def visit(user: str, password: str, times: list, errors: list) -> None:
        app = AppTest.from_file(str(entry), default_timeout=timeout)
        try:
            app.run()
            app.text_input(key="signin_username").input(user)
            app.text_input(key="signin_password").input(password)
            app.button(key="signin_submit").click().run()
            for name in names:
                try:
                    app.switch_page(name)
                except ValueError:  # a page this user may not open is not in their navigation
                    continue
                start = time.perf_counter()
                try:
                    app.run()
                except Exception:  # noqa: BLE001 - AppTest's own bookkeeping, raced by a run side by side
                    with lock:
                        retried.append(f"{user} {name}")
                    try:  # that page once more; a second failure is the harness's, not the app's
                        start = time.perf_counter()
                        app.run()
                    except Exception as exc:  # noqa: BLE001
                        with lock:
                            harness.append(f"{user} {name}: {type(exc).__name__}: {exc}"[:300])
                        continue
                took = time.perf_counter() - start
                with lock:
                    times.append((Path(name).stem, took))
                    errors.extend(f"{user} {name}: {e.value}"[:300] for e in app.exception)
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            with lock:
                errors.append(f"{user}: {type(exc).__name__}: {exc}"[:300])

    import streamlit.runtime as runtime

    # each AppTest run installs a mock runtime and removes it when it ends; with runs side by side, one
    # ending must not take it from one starting (``Runtime hasn't been created``): keep the last one
    get_instance, last = runtime.get_instance, []

    def the_runtime():
        found = runtime.Runtime._instance
        if found is not None:
            last[:] = [found]
        return found if found is not None else last[0]

    ast.parse, runtime.get_instance = _parse_one_at_a_time, the_runtime
    try:
        first: list = []
        visit(*users[0], first, [])
        alone = _rss_mb()
        times: list = []
        errors: list = []
        threads = [threading.Thread(target=visit, args=(u, p, times, errors)) for u, p in users]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        after = _rss_mb()
    finally:
        ast.parse, runtime.get_instance = _parse, get_instance
        st.cache_resource.clear()
    seconds = sorted(t for _, t in times)

    def p95(values: list[float]) -> float | None:
        values = sorted(values)
        return values[max(0, -(-95 * len(values) // 100) - 1)] if values else None

    by_page: dict[str, list[float]] = {}
    for page, t in times:
        by_page.setdefault(page, []).append(t)
    return {"sessions": n, "sessions_pages": len(seconds), "sessions_p95_s": p95(seconds),
            "sessions_median_s": statistics.median(seconds) if seconds else None, "sessions_wall_s": wall,
            "sessions_p95_by_page_s": {k: round(p95(v), 3) for k, v in by_page.items()},
            "sessions_alone_s": {page: round(t, 3) for page, t in first},
            "rss_one_session_mb": round(alone), "rss_sessions_mb": round(after),
            "rss_per_extra_session_mb": round((after - alone) / max(n - 1, 1), 1), "sessions_errors": errors[:5],
            "sessions_retried": retried, "sessions_harness_errors": harness}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--policy", default=str(ROOT / "config" / "policy.yaml"))
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args(argv)
    print(json.dumps(sessions(Path(args.db).resolve(), Path(args.policy).resolve(), args.sessions), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
