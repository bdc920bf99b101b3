"""The access file and `python -m slametrics users ...`: validation of every mistake at once, passwords
only ever as bcrypt hashes, the sign-in limit, and the audit log."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import bcrypt
import pytest

from slametrics import access as acc
from slametrics.audit import read_audit, record
from slametrics.errors import AccessError
from slametrics.scope import EVERYTHING
from tests.dashboard.fixture import POLICY

REPO = Path(__file__).resolve().parents[1]
HASH = bcrypt.hashpw(b"right-password", bcrypt.gensalt(rounds=4)).decode()
KEY = "k" * 40


def users_cli(*args: str, access: Path, policy_file: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """`python -m slametrics users ARGS` with the password (if any) on standard input."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SLA_ACCESS": str(access)}
    return subprocess.run([sys.executable, "-m", "slametrics", "users", *args, "--policy", str(policy_file)],
                          input=stdin, env=env, cwd=access.parent, capture_output=True, text=True, timeout=120)


@pytest.fixture
def files(tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(POLICY)
    return tmp_path / "access.yaml", policy_file


def test_every_mistake_of_an_access_file_is_reported_at_once(policy):
    text = f"""
cookie: {{key: short}}
users:
  boss: {{role: admin, password: "{HASH}"}}
  viewer: {{role: client, password: "{HASH}"}}
  other: {{role: client, contracts: [acme, nowhere], password: plain-text-password, email: a@x.example}}
  twin: {{role: client, contracts: [globex], password: "{HASH}", email: A@x.example, colour: red}}
  staff: {{role: analyst, contracts: [acme], password: "{HASH}"}}
"""
    with pytest.raises(AccessError) as caught:
        acc.parse_access(text, "access.yaml", policy)
    problems = caught.value.problems
    assert problems == [
        "access.yaml: cookie.key: (not shown): must be a secret of at least 32 characters "
        "(`python -m slametrics users add` writes one)",
        "access.yaml: users.boss.role: 'admin': must be one of provider, analyst, client",
        "access.yaml: users.viewer.contracts: missing: a client must have at least one contract (e.g. contracts: [acme])",
        "access.yaml: users.other.contracts: 'nowhere': unknown contract; the policy's contracts: acme, globex",
        "access.yaml: users.other.password: (not shown): must be a bcrypt hash; set it with "
        "`python -m slametrics users passwd other`",
        "access.yaml: users.twin.colour: 'red': unknown key; allowed: name, role, contracts, whatif, email, password",
        "access.yaml: users.staff.contracts: ['acme']: only clients have contracts: an analyst sees every contract",
        "access.yaml: users.twin.email: 'A@x.example': already the e-mail of 'other'; an e-mail names one user",
    ]
    assert not any("plain-text-password" in p for p in problems)  # a secret is never echoed


def test_a_clients_scope_is_its_contracts_and_staff_see_everything(policy):
    access = acc.parse_access(f"""
cookie: {{key: {KEY}}}
users:
  boss: {{role: provider, password: "{HASH}"}}
  g: {{role: client, contracts: [globex], password: "{HASH}", email: G@Globex.example}}
""", "access.yaml", policy)
    boss, g = access.users["boss"], access.users["g"]
    assert boss.scope(policy) is EVERYTHING and boss.can_upload and boss.may_whatif
    assert g.scope(policy).contracts == ("globex",) and g.scope(policy).clients == ("Globex",)
    assert not g.can_upload and not g.sees_data_page and not g.may_whatif  # what-if only where allowed
    assert access.by_email("g@globex.EXAMPLE") is g and access.by_email("x@y.z") is None


def test_a_password_is_checked_against_its_hash_and_an_unknown_name_fails_alike():
    user = acc.User(name="u", display_name="U", role="provider", password_hash=HASH)
    assert acc.verify(user, "right-password")
    assert not acc.verify(user, "wrong-password")
    assert not acc.verify(None, "right-password")
    with pytest.raises(AccessError, match="at least 8 characters"):
        acc.hash_password("short")


def test_after_five_failures_within_ten_minutes_a_name_waits():
    tries = acc.Attempts()
    for second in range(4):
        tries.failed("Acme", now=1000 + second)
    assert tries.wait("acme", now=1010) == 0  # four: still allowed
    tries.failed("acme", now=1004)
    assert tries.wait("ACME", now=1010) == pytest.approx(590)  # until the first failure is 10 minutes old
    assert tries.wait("someone-else", now=1010) == 0
    assert tries.wait("acme", now=1600) == pytest.approx(0.0)
    tries.failed("acme", now=1700)
    assert tries.wait("acme", now=1701) == 0  # the old failures have left the window
    tries.succeeded("acme")
    assert tries.wait("acme", now=1702) == 0


def test_tries_made_side_by_side_are_counted_before_their_passwords_are_checked():
    tries = acc.Attempts()
    allowed = []

    def one() -> None:
        allowed.append(tries.attempt("analyst") == 0)  # then ~0.25 s of bcrypt, in the real sign-in

    threads = [threading.Thread(target=one) for _ in range(14)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 5 and len(allowed) == 14
    tries.succeeded("analyst")
    assert tries.attempt("analyst") == 0


def test_users_add_list_passwd_remove_keep_only_hashes_in_a_private_file(files, policy):
    access, policy_file = files
    added = users_cli("add", "viewer", "--role", "client", "--contracts", "acme", "--whatif", "--email",
                      "v@acme.example", "--display-name", "Acme viewer", "--password-stdin",
                      access=access, policy_file=policy_file, stdin="first-password\n")
    assert added.returncode == 0, added.stderr
    assert "added viewer (client: acme)" in added.stdout
    assert "first-password" not in access.read_text() and "first-password" not in added.stdout + added.stderr
    assert oct(access.stat().st_mode & 0o777) == "0o600"
    loaded = acc.load_access(access, policy)
    viewer = loaded.users["viewer"]
    assert (viewer.display_name, viewer.role, viewer.contracts, viewer.whatif, viewer.email) == (
        "Acme viewer", "client", ("acme",), True, "v@acme.example")
    assert acc.verify(viewer, "first-password") and len(loaded.cookie_key) >= 32

    listed = users_cli("list", access=access, policy_file=policy_file)
    assert listed.stdout.splitlines() == ["user\trole\tcontracts\twhat-if\te-mail\tname",
                                          "viewer\tclient\tacme\twhat-if\tv@acme.example\tAcme viewer"]
    assert "$2b$" not in listed.stdout

    changed = users_cli("passwd", "viewer", "--password-stdin", access=access, policy_file=policy_file,
                        stdin="second-password\n")
    assert changed.returncode == 0, changed.stderr
    viewer = acc.load_access(access, policy).users["viewer"]
    assert acc.verify(viewer, "second-password") and not acc.verify(viewer, "first-password")

    removed = users_cli("remove", "viewer", access=access, policy_file=policy_file)
    assert removed.returncode == 0 and acc.load_access(access, policy).users == {}


def test_users_add_refuses_a_bad_entry_before_asking_and_changes_nothing(files):
    access, policy_file = files
    first = users_cli("add", "boss", "--role", "provider", "--password-stdin", access=access,
                      policy_file=policy_file, stdin="boss-password\n")
    assert first.returncode == 0, first.stderr
    before = access.read_text()
    refused = users_cli("add", "x", "--role", "client", "--contracts", "acme,nowhere", "--email", "nope",
                        "--password-stdin", access=access, policy_file=policy_file, stdin="x-password\n")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"error: {access}: users.x.contracts: 'nowhere': unknown contract; the policy's contracts: acme, globex",
        f"error: {access}: users.x.email: 'nope': must be an e-mail address (the identity an OIDC sign-in maps to)"]
    short = users_cli("add", "y", "--role", "analyst", "--password-stdin", access=access, policy_file=policy_file,
                      stdin="tiny\n")
    assert short.returncode == 2 and "at least 8 characters; nothing was changed" in short.stderr
    no_terminal = users_cli("add", "z", "--role", "analyst", access=access, policy_file=policy_file)
    assert no_terminal.returncode == 2 and "pass --password-stdin" in no_terminal.stderr
    assert access.read_text() == before


def test_users_passwd_sets_a_password_the_file_lacks(files, policy):
    access, policy_file = files
    assert users_cli("add", "boss", "--role", "provider", "--password-stdin", access=access,
                     policy_file=policy_file, stdin="boss-password\n").returncode == 0
    with access.open("a") as out:
        out.write("  late:\n    role: client\n    contracts: [globex]\n")  # added by hand, no password
    broken = users_cli("check", access=access, policy_file=policy_file)
    assert broken.returncode == 2 and "users.late.password: missing" in broken.stderr
    fixed = users_cli("passwd", "late", "--password-stdin", access=access, policy_file=policy_file,
                      stdin="late-password\n")
    assert fixed.returncode == 0, fixed.stderr
    assert acc.verify(acc.load_access(access, policy).users["late"], "late-password")


def test_the_audit_log_keeps_every_entry_whole_under_concurrent_writes(tmp_path):
    path = tmp_path / "audit.jsonl"

    def write(n: int) -> None:
        for i in range(50):
            record(path, f"user{n}", "download", contract="acme", detail=f"file-{n}-{i}.csv")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with path.open("a") as out:
        out.write("not a json line\n")
    record(path, "boss", "sign_out")
    log = read_audit(path)
    assert log.height == 201
    assert log.row(0, named=True)["event"] == "sign_out"
    assert sorted(log.filter(log["user"] == "user3")["detail"].to_list()) == sorted(f"file-3-{i}.csv" for i in range(50))
    with pytest.raises(ValueError):
        record(path, "boss", "deleted_everything")


def test_the_demo_command_writes_demo_users_only_where_there_are_none(tmp_path):
    access = tmp_path / "access.yaml"
    env = {**os.environ, "PYTHONPATH": str(REPO), "SLA_ACCESS": str(access)}
    built = subprocess.run([sys.executable, "-m", "slametrics", "demo", "--db", str(tmp_path / "sla.duckdb"),
                            "--policy", str(REPO / "config" / "policy.yaml")], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "  hudson     password demo-hudson      client of hudson" in built.stdout.splitlines()
    from slametrics.policy import load_policy

    users = acc.load_access(access, load_policy(REPO / "config" / "policy.yaml")).users
    assert acc.verify(users["hudson"], "demo-hudson") and acc.verify(users["provider"], "demo-provider")
    before = access.read_text()
    assert acc.write_demo_users(access, load_policy(REPO / "config" / "policy.yaml")) is None
    assert access.read_text() == before


def test_users_new_key_replaces_only_the_cookie_key(files, policy):
    access, policy_file = files
    assert users_cli("add", "boss", "--role", "provider", "--password-stdin", access=access,
                     policy_file=policy_file, stdin="boss-password\n").returncode == 0
    before = acc.load_access(access, policy)
    renewed = users_cli("new-key", access=access, policy_file=policy_file)
    assert renewed.returncode == 0, renewed.stderr
    after = acc.load_access(access, policy)
    assert after.cookie_key != before.cookie_key and len(after.cookie_key) == 64
    assert after.users == before.users


def test_users_set_changes_what_a_user_sees_but_not_the_password(files, policy):
    access, policy_file = files
    for name, role in (("boss", "provider"), ("viewer", "client")):
        extra = ["--contracts", "acme"] if role == "client" else []
        assert users_cli("add", name, "--role", role, *extra, "--password-stdin", access=access,
                         policy_file=policy_file, stdin=f"{name}-password\n").returncode == 0
    changed = users_cli("set", "viewer", "--contracts", "acme,globex", "--whatif", "--email", "v@x.example",
                        access=access, policy_file=policy_file)
    assert changed.returncode == 0, changed.stderr
    viewer = acc.load_access(access, policy).users["viewer"]
    assert (viewer.contracts, viewer.whatif, viewer.email) == (("acme", "globex"), True, "v@x.example")
    assert acc.verify(viewer, "viewer-password")
    promoted = users_cli("set", "viewer", "--role", "analyst", access=access, policy_file=policy_file)
    assert promoted.returncode == 0 and acc.load_access(access, policy).users["viewer"].contracts == ()
    refused = users_cli("set", "viewer", "--role", "client", access=access, policy_file=policy_file)
    assert refused.returncode == 2 and "a client must have at least one contract" in refused.stderr
    last = users_cli("remove", "boss", access=access, policy_file=policy_file)
    assert last.returncode == 2 and "'boss' is the last provider" in last.stderr


def test_users_check_warns_while_a_demo_password_still_works(files, policy):
    access, policy_file = files
    assert users_cli("add", "acme", "--role", "client", "--contracts", "acme", "--password-stdin", access=access,
                     policy_file=policy_file, stdin="demo-acme\n").returncode == 0
    checked = users_cli("check", access=access, policy_file=policy_file)
    assert checked.returncode == 0 and "acme still sign in with the published demo password" in checked.stderr
    assert users_cli("passwd", "acme", "--password-stdin", access=access, policy_file=policy_file,
                     stdin="a-better-password\n").returncode == 0
    assert "demo password" not in users_cli("check", access=access, policy_file=policy_file).stderr
