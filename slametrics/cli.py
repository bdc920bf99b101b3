"""The command line (SLA_SPEC §6): ``python -m slametrics ingest | evaluate | compliance | credits | demo | reconcile``,
and ``users add | list | remove | passwd | check`` for the dashboard's access file.

A thin shell over the library: parse options, call the same functions the dashboard calls, write
CSV. Mistakes in what the user gave end with one line per mistake on stderr and exit code 2; no
traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from slametrics.errors import SlaError
from slametrics.imports import FORMATS as IMPORT_FORMATS
from slametrics.scope import EVERYTHING

DEFAULT_POLICY = "config/policy.yaml"
DEFAULT_DB = "data/sla.duckdb"
FORMATS = ("canonical", *IMPORT_FORMATS)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the usage block
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m slametrics", description="Business-hours SLA clocks, compliance and service credits.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, compute: bool) -> None:
        p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB database (default {DEFAULT_DB})")
        p.add_argument("--policy", default=DEFAULT_POLICY if compute else None,
                       help=f"policy YAML (default {DEFAULT_POLICY})" if compute else "policy YAML, to count uncovered tickets")
        if compute:
            p.add_argument("--as-of", default=None, help="evaluate as of this moment (default now; UTC without an offset)")
            p.add_argument("--out", default=None, help="write CSV here instead of standard output")
            p.add_argument("--full", action="store_true",
                           help="evaluate every clock in full, not through the store of stopped clocks the "
                                "dashboard also reads (docs/semantics.md §12): the same rows, for checking")
            engines = p.add_argument_group("Parquet histories, one contract at a time (docs/engines.md)")
            engines.add_argument("--engine", choices=("local", "spark"), default=None,
                                 help="read --tickets/--events Parquet instead of the database: local (a process "
                                      "pool) or spark (a Spark cluster or Spark Connect server)")
            engines.add_argument("--tickets", default=None, help="tickets: a Parquet file or folder (SLA_SPEC §1 columns)")
            engines.add_argument("--events", default=None, help="status events: a Parquet file or folder (optional)")
            engines.add_argument("--timezone", default="UTC",
                                 help="time zone of timestamps written without an offset (default UTC)")
            engines.add_argument("--spark-remote", default=None, help="Spark Connect server, sc://HOST:PORT "
                                 "(default: a local Spark on $SLA_SPARK_MASTER or local[2])")
            engines.add_argument("--parquet", default=None, help="write a folder of Parquet files here instead of CSV")
            engines.add_argument("--rejects", default=None, help="write the rejected input rows, with reasons, to this CSV")
            engines.add_argument("--max-group-rows", type=int, default=None,
                                 help="cut a contract with more ticket rows than this into parts (default 2,000,000)")
            engines.add_argument("--workers", type=int, default=None, help="local engine: processes (default: one per core)")
            engines.add_argument("--shuffle-partitions", type=int, default=None, help="spark engine: spark.sql.shuffle.partitions")
            engines.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")

    ing = sub.add_parser("ingest", help="load tickets (and status events) into the database")
    ing.add_argument("--tickets", required=True, help="tickets file (CSV or Parquet); for an export format, the export")
    ing.add_argument("--events", default=None, help="status events file (CSV or Parquet; canonical format only)")
    ing.add_argument("--format", default="canonical", help=f"input format: {', '.join(FORMATS)} (default canonical; "
                                                           "see docs/imports.md)")
    ing.add_argument("--mapping", default=None, help="column mapping YAML (or the name of one in config/mappings/): "
                                                     "required for eventlog, replaces the default of zendesk, jira, freshdesk")
    ing.add_argument("--client", default=None, help="export formats: the client of every ticket (ServiceNow has no company column)")
    ing.add_argument("--client-column", default=None, help="export formats: the column that holds the client")
    ing.add_argument("--timezone", default="UTC", help="time zone of timestamps written without an offset (default UTC)")
    ing.add_argument("--quiet", action="store_true", help="no progress on stderr")
    common(ing, compute=False)

    sub_eval = sub.add_parser("evaluate", help="one row per clock")
    common(sub_eval, compute=True)
    comp = sub.add_parser("compliance", help="compliance per period, contract and service level")
    comp.add_argument("--by", default="", help="extra breakdown columns, comma-separated (e.g. priority,team)")
    comp.add_argument("--period", default="month", help="period length: month (default), quarter or year; "
                                                        "longer periods pool the counts of their months")
    common(comp, compute=True)
    cred = sub.add_parser("credits", help="service credits per period and contract")
    cred.add_argument("--period", default="month", help="period length: month (default), quarter or year; "
                                                        "longer periods sum the months' amounts")
    common(cred, compute=True)
    demo = sub.add_parser("demo", help="build the demo database from the demo policy")
    common(demo, compute=False)
    mig = sub.add_parser("migrate", help="bring a database written by an older slametrics up to date (a write)")
    common(mig, compute=False)
    rec = sub.add_parser("reconcile", help="agreement of our outcomes with the source's own SLA verdict")
    rec.add_argument("--metric", default=None, help="compare the verdict with clocks of this metric "
                                                   "(first_response or resolution; default resolution)")
    rec.add_argument("--service-level", default=None, help="compare with these service levels only, comma-separated")
    rec.add_argument("--details", default=None, help="write the tickets where they differ to this CSV")
    common(rec, compute=True)
    rep = sub.add_parser("report", help="the quarterly business review of one contract, as PDF, PPTX or HTML")
    rep.add_argument("--contract", required=True, help="the contract's key in the policy (e.g. acme)")
    rep.add_argument("--period", required=True, help="the period reviewed: a quarter (2026-Q3), a month or a year")
    rep.add_argument("--format", default=None, help="pdf, pptx or html (default: from --out's suffix)")
    rep.add_argument("--previous", default=None, help="the period compared with (default: the one before)")
    rep.add_argument("--settings", default=None, help="branding and thresholds (default config/report.yaml, if any)")
    rep.add_argument("--user", default=None, help="produce it as this user of the access file would see it "
                                                  "(a client: its own contract only)")
    rep.add_argument("--access", default=None, help="the access file for --user (default config/access.yaml)")
    common(rep, compute=True)
    wat = sub.add_parser("watch", help="early warning: running clocks near their breach, breach budgets; "
                                       "exits 1 when a rule fires")
    when = wat.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="check once and exit (1 when any rule fires)")
    when.add_argument("--every", default=None, help="check again after each interval, e.g. 5m (stop with Ctrl-C)")
    wat.add_argument("--alerts", default=None, help="alert rules and notifications (default: alerts.yaml beside "
                                                    "the policy, if any; see docs/semantics.md §11)")
    common(wat, compute=True)
    _users_parser(sub)
    return parser


def _users_parser(sub) -> None:
    users = sub.add_parser("users", help="who may sign in to the dashboard (the access file, config/access.yaml)")
    verbs = users.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    def where(p: argparse.ArgumentParser) -> None:
        p.add_argument("--access", default=None, help="access file (default $SLA_ACCESS or config/access.yaml)")
        p.add_argument("--policy", default=DEFAULT_POLICY, help=f"policy whose contracts clients may have "
                                                                f"(default {DEFAULT_POLICY})")

    add = verbs.add_parser("add", help="add a user (asks for the password twice, without echo)")
    add.add_argument("name", help="the user name to sign in with")
    add.add_argument("--role", required=True, help="provider (everything), analyst (every contract, read-only) "
                                                   "or client (its own contracts)")
    add.add_argument("--contracts", default="", help="a client's contracts, comma-separated policy keys (e.g. acme)")
    add.add_argument("--display-name", default=None, help="the name shown on screen (default: the user name)")
    add.add_argument("--email", default=None, help="the e-mail an identity provider (OIDC) signs this user in with")
    add.add_argument("--whatif", action=argparse.BooleanOptionalAction, default=None,
                     help="a client may use What-if on its contracts (default no; staff always may)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    where(add)
    passwd = verbs.add_parser("passwd", help="set a user's password (asks twice, without echo)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    where(passwd)
    change = verbs.add_parser("set", help="change a user's role, contracts, What-if, e-mail or name (not the password)")
    change.add_argument("name")
    change.add_argument("--role", default=None, help="provider, analyst or client")
    change.add_argument("--contracts", default=None, help="a client's contracts, comma-separated (replaces them)")
    change.add_argument("--display-name", default=None, help="the name shown on screen")
    change.add_argument("--email", default=None, help="the e-mail an identity provider signs this user in with "
                                                      "('' removes it)")
    change.add_argument("--whatif", action=argparse.BooleanOptionalAction, default=None,
                        help="a client may use What-if on its contracts")
    where(change)
    remove = verbs.add_parser("remove", help="remove a user (their open sessions end at their next step)")
    remove.add_argument("name")
    where(remove)
    where(verbs.add_parser("list", help="the users, their roles and contracts (never a password)"))
    where(verbs.add_parser("check", help="validate the access file against the policy; every mistake at once"))
    where(verbs.add_parser("new-key", help="a new key for session cookies: every signed-in browser must sign in again"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if str(getattr(args, "db", "")) == ":memory:":
            from slametrics.errors import DataError

            raise DataError("--db :memory: keeps nothing from one command to the next: name a database file "
                            "(e.g. data/sla.duckdb)")
        return _COMMANDS[args.command](args)
    except SlaError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was stored by the unfinished step", file=sys.stderr)
        return 130


def _progress(quiet: bool):
    if quiet:
        return None
    started = time.monotonic()

    def report(phase: str, fraction: float) -> None:
        print(f"[{fraction:4.0%}] {phase} ({time.monotonic() - started:.1f}s)", file=sys.stderr)

    return report


def _ingest(args: argparse.Namespace) -> int:
    from slametrics.db import writing
    from slametrics.errors import DataError
    from slametrics.ingest import ingest_files
    from slametrics.errors import PolicyError
    from slametrics.policy import load_policy

    if args.format not in FORMATS:
        raise DataError(f"--format: unknown format {args.format!r}; allowed: {', '.join(FORMATS)}")
    if args.format == "canonical":
        given = [o for o, v in (("--mapping", args.mapping), ("--client", args.client),
                                ("--client-column", args.client_column)) if v is not None]
        if given:
            raise DataError(f"{', '.join(given)}: only for export formats ({', '.join(IMPORT_FORMATS)}); "
                            "canonical files carry their client column")
    elif args.events is not None:
        raise DataError(f"--events: the {args.format} format reads everything from the export in --tickets")
    policy = None
    if args.policy:
        policy = load_policy(args.policy)  # asked for by name: a broken one is an error
    elif Path(DEFAULT_POLICY).exists():
        try:
            policy = load_policy(DEFAULT_POLICY)
        except PolicyError as exc:  # only used to count uncovered tickets: store the data anyway
            print(f"warning: {DEFAULT_POLICY} is broken ({len(exc.problems)} problem(s)), so uncovered tickets "
                  "are not counted; the data is stored", file=sys.stderr)
    with writing(args.db, waiting=lambda message: print(message, file=sys.stderr)) as con:
        if args.format == "canonical":
            summary = ingest_files(con, args.tickets, args.events, timezone=args.timezone, policy=policy,
                                   progress=_progress(args.quiet))
        else:
            from slametrics.imports import import_export

            summary = import_export(con, args.format, args.tickets, mapping=args.mapping, client=args.client,
                                    client_column=args.client_column, timezone=args.timezone, policy=policy,
                                    progress=_progress(args.quiet))
    print("\n".join(summary.lines()))
    return 0


def _computed(args: argparse.Namespace):
    """(policy, clocks): through the store of stopped clocks, as the dashboard reads them (one process keeps
    nothing between runs, so here it evaluates once in full), or with ``--full`` the full evaluation itself."""
    from slametrics.clock import evaluate_clocks
    from slametrics.db import connect
    from slametrics.policy import load_policy
    from slametrics.stored import STORE
    from slametrics.timeparse import parse_as_of

    policy = load_policy(args.policy)
    as_of = parse_as_of(args.as_of)
    con = connect(args.db, read_only=True)
    try:
        if args.full:
            return policy, evaluate_clocks(con, policy, as_of, scope=EVERYTHING)
        return policy, STORE.clocks(con, policy, as_of, scope=EVERYTHING, database=str(Path(args.db).resolve()))
    finally:
        con.close()


def _engine_run(args: argparse.Namespace, want: str, by: tuple[str, ...] = ()):
    """(policy, Outcome) of ``--engine local|spark`` over the Parquet inputs (slametrics.partitioned)."""
    from slametrics import partitioned as P
    from slametrics.errors import DataError
    from slametrics.policy import load_policy
    from slametrics.timeparse import parse_as_of

    if args.tickets is None:
        raise DataError(f"--engine {args.engine}: name the tickets with --tickets PATH (a Parquet file or folder)")
    if args.out is not None and args.parquet is not None:
        raise DataError("--out and --parquet: choose one (a CSV file, or a folder of Parquet files)")
    if args.spark_remote is not None and args.engine != "spark":
        raise DataError("--spark-remote: only with --engine spark")
    for name in ("workers", "shuffle_partitions"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise DataError(f"--{name.replace('_', '-')}: {getattr(args, name)} is not a positive number")
    if args.parquet is not None and Path(args.parquet).exists():
        raise DataError(f"--parquet: {args.parquet} exists: name a new folder (nothing there is replaced)")
    policy = load_policy(args.policy)
    as_of = parse_as_of(args.as_of)
    rows = P.MAX_GROUP_ROWS if args.max_group_rows is None else args.max_group_rows
    P.parts_of({}, rows)  # refuses a non-positive number
    say = None if getattr(args, "quiet", False) else (lambda text: print(text, file=sys.stderr))

    session = None
    if args.engine == "spark":
        from slametrics import spark as S

        session = S.session(args.spark_remote, shuffle_partitions=args.shuffle_partitions)
    started = time.monotonic()
    report = (None if say is None else
              lambda done, total, group: say(f"[{done}/{total}] {group} ({time.monotonic() - started:.1f}s)"))
    outcome, read = P.compute(args.tickets, args.events, policy=policy, as_of=as_of, want=want, by=by,
                              timezone=args.timezone, engine=args.engine, spark=session, max_group_rows=rows,
                              workers=args.workers, parquet=args.parquet if want == "clocks" else None,
                              on_group=report)
    if say is not None:
        for line in outcome.summary(read):
            say(line)
    if args.rejects is not None:
        from slametrics.output import write_csv

        table = outcome.rejects_table()
        write_csv(table, table.columns, args.rejects)
    elif outcome.rejects.height and say is not None:
        say(f"{outcome.rejects.height} input rows were rejected; --rejects FILE keeps them with their reasons")
    return policy, outcome


def _written(frame, columns: list[str], args: argparse.Namespace) -> None:
    """``frame``'s ``columns`` to --out (CSV; standard output without) or, with --parquet, a folder."""
    from slametrics.output import write_csv

    if getattr(args, "parquet", None) is not None:
        Path(args.parquet).mkdir(parents=True)
        frame.select(columns).write_parquet(Path(args.parquet) / "part-00000.parquet")
    else:
        write_csv(frame, columns, args.out)


def _engine_given(args: argparse.Namespace) -> bool:
    from slametrics.errors import DataError

    if args.engine is None:
        given = [o for o, v in (("--tickets", args.tickets), ("--events", args.events), ("--parquet", args.parquet),
                                ("--spark-remote", args.spark_remote), ("--rejects", args.rejects),
                                ("--max-group-rows", args.max_group_rows), ("--workers", args.workers),
                                ("--shuffle-partitions", args.shuffle_partitions)) if v is not None]
        if given:
            raise DataError(f"{', '.join(given)}: only with --engine local|spark (without it the commands read --db)")
        return False
    if args.full:
        raise DataError("--full: only for the database (--db); --engine evaluates every clock in full anyway")
    return True


def _evaluate(args: argparse.Namespace) -> int:
    from slametrics.clock import CLOCK_COLUMNS

    if _engine_given(args):
        _, outcome = _engine_run(args, "clocks")
        if args.parquet is None:  # with --parquet, the engine wrote the rows as it went
            _written(outcome.rows, CLOCK_COLUMNS, args)
        return 0
    _, clocks = _computed(args)
    _written(clocks, CLOCK_COLUMNS, args)
    return 0


def _exact_shares(frame, policy):
    """compliance from met/assessed and objective from the policy, as exact text (SLA_SPEC §6)."""
    import polars as pl

    from slametrics.output import exact_share

    # the objective of the version that judged the row, as written: a policy's share (a few decimals)
    # survives the float and back (repr gives the shortest text that reads back to it)
    text = [(exact_share(Fraction(met, assessed)) if met is not None and assessed else "",
             exact_share(Decimal(repr(objective))) if objective is not None else "")
            for met, assessed, objective in frame.select("met", "assessed", "objective").iter_rows()]
    return frame.with_columns(compliance=pl.Series([c for c, _ in text], dtype=pl.String),
                              objective=pl.Series([o for _, o in text], dtype=pl.String))


def _compliance(args: argparse.Namespace) -> int:
    from slametrics.compliance import KEYS, check_by
    from slametrics.output import write_csv
    from slametrics.periods import check_grain, compliance_over

    by = check_by([c.strip() for c in args.by.split(",") if c.strip()])
    grain = check_grain(args.period)
    if _engine_given(args):
        from slametrics.periods import compliance_of_counts

        policy, outcome = _engine_run(args, "counts", tuple(by))
        judged = compliance_of_counts(outcome.rows, policy, grain, by)
    else:
        policy, clocks = _computed(args)
        judged = compliance_over(clocks, policy, grain, by)
    frame = _exact_shares(judged, policy)
    keys = KEYS + [c for c in by if c not in KEYS]
    _written(frame, keys + ["met", "breached", "pending", "assessed", "compliance", "objective", "status", "provisional"], args)
    return 0


def _credits(args: argparse.Namespace) -> int:
    import polars as pl

    from slametrics.compliance import compliance
    from slametrics.credits import CREDIT_COLUMNS, credits
    from slametrics.output import exact_share, write_csv
    from slametrics.periods import check_grain, credits_over

    grain = check_grain(args.period)
    if _engine_given(args):
        from slametrics.compliance import judged

        policy, outcome = _engine_run(args, "counts")
        owed = credits(judged(outcome.rows, policy), policy)
    else:
        policy, clocks = _computed(args)
        owed = credits(compliance(clocks, policy), policy)
    if grain != "month":  # the months' amounts summed; no share describes a longer period's credit
        frame = credits_over(owed, grain).table().with_columns(
            **{c: pl.lit("") for c in ("compliance", "objective", "credit_rate", "bonus_rate", "claim_by")})
    else:
        frame = _exact_shares(owed.table(), policy)
        frame = frame.with_columns(**{  # exact shares (docs/semantics.md §6): the rates as the engine holds them
            rate: pl.Series([None if d is None else exact_share(Fraction(d)) for d in frame[f"{rate}_exact"]],
                            dtype=pl.String) for rate in ("credit_rate", "bonus_rate")})
    _written(frame, CREDIT_COLUMNS, args)
    return 0


def _watch(args: argparse.Namespace) -> int:
    import time

    from slametrics.alerts import default_alerts_path, load_alerts
    from slametrics.errors import PolicyError
    from slametrics.policy import load_policy, parse_duration

    policy = load_policy(args.policy)
    alerts = load_alerts(args.alerts or default_alerts_path(args.policy), policy)
    if args.every is None:
        return _watch_once(args, policy, alerts, args.as_of)
    pause = parse_duration(args.every)
    if not pause or pause > 86400:
        raise PolicyError(f"--every: {args.every!r} is not a duration of a day or less; write e.g. 5m or 1h")
    if args.as_of:
        raise PolicyError("--every checks as of each moment it runs: leave out --as-of (or use --once)")
    import logging

    try:
        while True:
            try:
                _watch_once(args, policy, alerts, None)
            except SlaError as exc:  # a database being replaced, a store that cannot be written: try again next time
                for problem in exc.problems:
                    logging.getLogger("slametrics.watch").error("%s", problem)
            time.sleep(pause)
    except KeyboardInterrupt:
        return 0


def _watch_once(args: argparse.Namespace, policy, alerts, as_of) -> int:
    import logging

    import polars as pl

    from slametrics import notify, watch
    from slametrics.db import connect
    from slametrics.output import write_csv

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    con = connect(args.db, read_only=True)
    try:
        found = watch.check(con, policy, alerts, as_of, scope=EVERYTHING)
    finally:
        con.close()
    fired = found.fired
    print(watch.table(found, policy))
    if args.out:
        write_csv(fired.with_columns(pl.col("due_at").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")), watch.WATCH_COLUMNS,
                  args.out)
    if fired.height and any(alerts.targets(k).webhook or alerts.targets(k).email for k in policy.contracts):
        try:  # open for writing first: an alert is only sent where it can be remembered
            store = notify.open_store(notify.store_path(args.db))
        except SlaError as exc:
            logging.getLogger("slametrics.watch").error("no alert sent: %s", exc.problems[0])
        else:
            try:
                fresh = notify.new_alerts(fired, store)
                names = {k: c.name for k, c in policy.contracts.items()}
                for by, rows in notify.deliver(fresh, alerts, names).items():
                    notify.record(rows, store, by, found.as_of)
            finally:
                store.close()
    return 1 if fired.height else 0


def _demo(args: argparse.Namespace) -> int:
    from slametrics.demo import build_demo

    from slametrics.access import default_access_path, write_demo_users
    from slametrics.policy import load_policy

    summary = build_demo(args.db, args.policy or DEFAULT_POLICY, progress=_progress(False))
    print("\n".join(summary.lines()))
    print(f"demo database written to {args.db}")
    note = write_demo_users(default_access_path(), load_policy(args.policy or DEFAULT_POLICY))
    if note:  # only where there was no access file: existing users are never replaced
        print(note)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from slametrics.db import migrate
    from slametrics.errors import DataError

    if not Path(args.db).exists():
        raise DataError(f"{args.db}: no database here; nothing to migrate")
    before, after = migrate(args.db)
    print(f"{args.db}: schema version {after}, up to date; nothing was written" if before == after else
          f"{args.db}: schema version {before} -> {after}")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from slametrics.db import connect
    from slametrics.imports.reconcile import DETAIL_COLUMNS, SUMMARY_COLUMNS, reconcile, summary_for_csv
    from slametrics.output import write_csv
    from slametrics.policy import load_policy

    levels = tuple(s.strip() for s in (args.service_level or "").split(",") if s.strip())
    metric = args.metric or (None if levels else "resolution")
    policy = load_policy(args.policy)
    con = connect(args.db, read_only=True)
    try:
        result = reconcile(con, policy, args.as_of, scope=EVERYTHING, metric=metric, service_levels=levels)
    finally:
        con.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    write_csv(summary_for_csv(result.summary), SUMMARY_COLUMNS, args.out)
    if args.details:
        write_csv(result.details, DETAIL_COLUMNS, args.details)
    return 0


def _users(args: argparse.Namespace) -> int:
    from slametrics import access as acc
    from slametrics.errors import AccessError, PolicyError
    from slametrics.policy import load_policy

    path = Path(args.access or acc.default_access_path())
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        if args.verb == "add":
            raise
        policy = None  # the users can still be listed and changed; contracts are not checked
        print(f"warning: {args.policy} is broken ({len(exc.problems)} problem(s)): contracts are not checked",
              file=sys.stderr)
    if args.verb == "add" and not path.exists():
        access = acc.new_access(path)
    else:
        access = acc.load_access(path, policy, unhashed=args.name if args.verb == "passwd" else None)
    if args.verb == "list":
        print("user\trole\tcontracts\twhat-if\te-mail\tname")
        for u in access.users.values():
            rights = ", ".join(u.contracts) if u.role == "client" else "every contract"
            what = "what-if" if u.may_whatif else "no what-if"
            print(f"{u.name}\t{u.role}\t{rights}\t{what}\t{u.email or '-'}\t{u.display_name}")
        print(f"{len(access.users)} user(s) in {path}", file=sys.stderr)
        return 0
    if args.verb == "check":
        print(f"{path}: {len(access.users)} user(s), no problems")
        demo = acc.demo_passwords_in_use(access)
        if demo:
            print(f"warning: {', '.join(demo)} still sign in with the published demo password (README): "
                  "`users remove NAME` or `users passwd NAME` before the server is reachable by anyone else",
                  file=sys.stderr)
        return 0
    if args.verb == "set":
        if args.name not in access.users:
            raise AccessError(f"{path}: no user {args.name!r}; `users list` shows who there is")
        old = access.users[args.name]
        entry = acc.entry_of(old)
        if args.role is not None:
            entry["role"] = args.role
            if args.role != "client" and args.contracts is None:
                entry["contracts"] = []  # staff have no contracts
        changes = {"contracts": None if args.contracts is None else
                   [c.strip() for c in args.contracts.split(",") if c.strip()],
                   "name": args.display_name, "email": args.email, "whatif": args.whatif}
        entry.update({k: v for k, v in changes.items() if v is not None})
        if entry.get("email") == "":
            del entry["email"]
        new = acc.replace(acc.check_entry(access, args.name, entry, policy, changing=True),
                          password_hash=old.password_hash)
        acc.write_access(acc.with_user(access, new), path)
        print(f"changed {args.name} in {path}: {new.role}"
              + (f" of {', '.join(new.contracts)}" if new.contracts else "")
              + (", what-if" if new.may_whatif else ", no what-if") + "; it applies at the user's next step")
        return 0
    if args.verb == "new-key":
        acc.write_access(acc.replace(access, cookie_key=acc.new_access().cookie_key), path)
        print(f"new cookie key written to {path}: every open session ends at its next step")
        return 0
    if args.verb == "remove":
        acc.write_access(acc.without_user(access, args.name), path)
        print(f"removed {args.name} from {path}")
        return 0
    if args.verb == "passwd":
        if args.name not in access.users:
            raise AccessError(f"{path}: no user {args.name!r}; `users list` shows who there is")
        user = access.users[args.name]
        new = acc.replace(user, password_hash=acc.hash_password(_read_password(args, args.name)))
        acc.write_access(acc.with_user(access, new), path)
        print(f"password of {args.name} changed in {path}")
        return 0
    entry = {"name": args.display_name or args.name, "role": args.role,
             "contracts": [c.strip() for c in args.contracts.split(",") if c.strip()]}
    entry.update({k: v for k, v in (("email", args.email), ("whatif", args.whatif)) if v is not None})
    user = acc.check_entry(access, args.name, entry, policy)  # before anyone types a password
    user = acc.replace(user, password_hash=acc.hash_password(_read_password(args, args.name)))
    acc.write_access(acc.with_user(access, user), path)
    print(f"added {args.name} ({user.role}{': ' + ', '.join(user.contracts) if user.contracts else ''}) to {path}")
    return 0


def _read_password(args: argparse.Namespace, name: str) -> str:
    """The new password: one line of standard input, or asked twice at the terminal without echo."""
    import getpass

    from slametrics.access import password_problem
    from slametrics.errors import AccessError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise AccessError("no terminal to ask for the password on; pass --password-stdin and pipe it in")
        password = getpass.getpass(f"New password for {name}: ")
        if getpass.getpass("The same again: ") != password:
            raise AccessError("the two passwords differ; nothing was changed")
    problem = password_problem(password)
    if problem:
        raise AccessError(f"{problem}; nothing was changed")
    return password


REPORT_FORMATS = ("pdf", "pptx", "html")


def _report(args: argparse.Namespace) -> int:
    from slametrics.db import connect
    from slametrics.errors import DataError
    from slametrics.policy import load_policy
    from slametrics.report import build_review, load_settings
    from slametrics.report.settings import DEFAULT_SETTINGS
    from slametrics.timeparse import parse_as_of

    if not args.out:
        raise DataError("--out: name the file to write (e.g. review-acme-2026-Q3.pdf)")
    kind = (args.format or Path(args.out).suffix.lstrip(".")).lower()
    if kind not in REPORT_FORMATS:
        raise DataError(f"--format: {kind!r} is not a report format; allowed: {', '.join(REPORT_FORMATS)} "
                        "(or an --out ending in one of them)")
    policy = load_policy(args.policy)
    scope = EVERYTHING
    if args.user:
        from slametrics.access import default_access_path, load_access
        from slametrics.errors import AccessError

        access = load_access(args.access or default_access_path(), policy)
        if args.user not in access.users:
            raise AccessError(f"--user: {args.user[:40]!r} is not a user of the access file")
        scope = access.users[args.user].scope(policy)  # build_review refuses a contract outside it
    settings = load_settings(args.settings or DEFAULT_SETTINGS)
    if args.settings and not Path(args.settings).exists():
        raise DataError(f"--settings: {args.settings} does not exist")
    as_of = parse_as_of(args.as_of)
    con = connect(args.db, read_only=True)
    try:
        review = build_review(con, policy, args.contract, args.period, as_of, scope=scope, settings=settings,
                              previous=args.previous)
    finally:
        con.close()
    if kind == "pdf":
        from slametrics.report.document import render_pdf

        content = render_pdf(review)
    elif kind == "pptx":
        from slametrics.report.deck import render_pptx

        content = render_pptx(review)
    else:
        from slametrics.report.document import render_html

        content = render_html(review).encode("utf-8")
    out = Path(args.out)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(content)  # never half a report under the name asked for
    partial.replace(out)
    print(f"{review.title} ({kind}) written to {out}", file=sys.stderr)
    return 0


_COMMANDS = {"watch": _watch, "report": _report, "ingest": _ingest, "evaluate": _evaluate, "compliance": _compliance, "credits": _credits, "demo": _demo,
             "migrate": _migrate, "reconcile": _reconcile, "users": _users}
