"""The Parquet engines (docs/engines.md): ``--engine local`` and ``--engine spark`` give exactly the
embedded engine's figures, whatever the routing, the parts, the shuffle partitions or the executors.

The reference is the embedded engine itself (the same Parquet ingested into a database and evaluated
there), which the golden cases check against ``tests/reference.py``. Rows are compared by
``canonical_hash`` (sorted rows) and, where they differ, by the rows themselves.

Spark tests share one local[2] session bound to 127.0.0.1 (``spark`` fixture); they skip where Java is
missing, saying so (``./run tests`` installs it). The Spark Connect and local-cluster tests start
their own servers and executor processes.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from slametrics import cli
from slametrics import partitioned as P
from slametrics.clock import CLOCK_COLUMNS, evaluate_clocks
from slametrics.compliance import counts
from slametrics.db import connect
from slametrics.demo import generate_history
from slametrics.errors import DataError
from slametrics.ingest import ingest_frames
from slametrics.policy import load_policy
from slametrics.scope import EVERYTHING

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "config" / "policy.yaml"
AS_OF = dt.datetime(2026, 11, 15, tzinfo=dt.timezone.utc)
NO_JAVA = "Java is missing: `./run tests` installs Debian's default-jre-headless for the Spark tests"


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


def _write(folder: Path, tickets: pl.DataFrame, events: pl.DataFrame | None, files: int = 1) -> dict:
    """The history as Parquet under ``folder``: one file each, or ``files`` files in a folder each."""
    folder.mkdir(parents=True)
    out = {}
    for name, frame in (("tickets", tickets), ("events", events)):
        if frame is None:
            continue
        if files == 1:
            frame.write_parquet(folder / f"{name}.parquet")
            out[name] = folder / f"{name}.parquet"
        else:
            (folder / name).mkdir()
            step = -(-frame.height // files)
            for i in range(files):
                frame.slice(i * step, step).write_parquet(folder / name / f"part-{i}.parquet")
            out[name] = folder / name
    return out


def _berlin_text(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Instants as Berlin wall-clock text without an offset (read with --timezone Europe/Berlin)."""
    return frame.with_columns(pl.col(c).dt.convert_time_zone("Europe/Berlin").dt.strftime("%Y-%m-%d %H:%M:%S")
                              for c in columns if c in frame.columns)


def _berlin_naive(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).dt.convert_time_zone("Europe/Berlin").dt.replace_time_zone(None)
                              for c in columns if c in frame.columns)


def _hostile(tickets: pl.DataFrame, events: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows every engine must reject the same way: a ticket id twice under two contracts' clients, no
    id, no creation, a resolution before creation, a rating of 9; events of an unknown ticket, of a
    duplicated one, and without a time."""
    t = tickets.with_columns(pl.col("csat").cast(pl.Float64))
    first, second = t.row(3, named=True), t.row(4, named=True)
    copy = {**first, "client": "Hudson Financial" if first["client"] != "Hudson Financial" else "Acme GmbH"}
    bad = [copy,
           {**second, "ticket_id": None},
           {**second, "ticket_id": "NO-CREATION", "created_at": None},
           {**second, "ticket_id": "BACKWARDS", "resolved_at": second["created_at"] - dt.timedelta(hours=1)},
           {**second, "ticket_id": "RATED-9", "csat": 9.0},
           {**second, "ticket_id": "NOBODY", "client": "Nobody Ltd"}]
    t = pl.concat([t, pl.DataFrame(bad, schema=t.schema)])
    at = events["at"][0]
    e = pl.concat([events, pl.DataFrame({"ticket_id": ["UNKNOWN", first["ticket_id"], second["ticket_id"]],
                                         "at": [at, at, None], "status": ["pending", "pending", "open"]},
                                        schema=events.schema)])
    return t, e


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    """name -> (paths, timezone, tickets frame, events frame): the inputs every test runs."""
    root = tmp_path_factory.mktemp("engines")
    tickets, events = generate_history(n_tickets=3_000, seed=11)
    skewed = tickets.with_columns(
        client=pl.when(pl.int_range(pl.len()) % 10 < 8).then(pl.lit("Acme GmbH")).otherwise(pl.col("client")))
    bad_t, bad_e = _hostile(tickets.head(1_200), events.filter(pl.col("ticket_id").is_in(tickets.head(1_200)["ticket_id"].implode())))
    times = P.INSTANTS["tickets"]
    cases = {
        "demo": (tickets, events, 1, "UTC"),
        "skewed": (skewed, events, 1, "UTC"),
        "folders": (bad_t, bad_e, 3, "UTC"),
        "hostile": (bad_t, bad_e, 1, "UTC"),
        "berlin text": (_berlin_text(tickets, times), _berlin_text(events, ("at",)), 1, "Europe/Berlin"),
        "berlin naive": (_berlin_naive(tickets, times), _berlin_naive(events, ("at",)), 1, "Europe/Berlin"),
        "no events": (tickets, None, 1, "UTC"),
    }
    return {name: (_write(root / name.replace(" ", "_"), t, e, files), tz, t, e)
            for name, (t, e, files, tz) in cases.items()}


def _embedded(history, policy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The embedded engine's clock rows (text) and rejects (kind, line, ticket_id, reason) of a history."""
    paths, tz, tickets, events = history
    con = connect(":memory:")
    try:
        ingest_frames(con, tickets, events, source="tickets", events_source="events", timezone=tz)
        clocks = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
        rejects = con.sql("SELECT kind, line, ticket_id, reason FROM rejects").pl()
    finally:
        con.close()
    return clocks.select(CLOCK_COLUMNS).with_columns(pl.col(pl.Enum).cast(pl.String)), rejects


def _files(paths: dict, kind: str) -> list[Path]:
    return P.parquet_files(paths[kind], kind) if kind in paths else []


def _job(history, policy, want="clocks", by=()):
    paths, tz, _, _ = history
    encoding = {kind: P.encoding_of(P.input_schema(_files(paths, kind), kind, str(paths[kind])), kind)
                for kind in ("tickets", "events") if kind in paths}
    return P.make_job(policy, AS_OF, timezone=tz, want=want, by=by, encoding=encoding,
                      earliest_s=P.earliest_created(_files(paths, "tickets"), encoding["tickets"]))


def _local(history, policy, want="clocks", by=(), rows=P.MAX_GROUP_ROWS, workers=1, measure=False) -> P.Outcome:
    paths, tz, _, _ = history
    return P.compute(paths["tickets"], paths.get("events"), policy=policy, as_of=AS_OF, want=want, by=by,
                     timezone=tz, max_group_rows=rows, workers=workers, measure=measure)[0]


def _spark(spark, history, policy, want="clocks", by=(), rows=P.MAX_GROUP_ROWS) -> P.Outcome:
    paths, tz, _, _ = history
    return P.compute(paths["tickets"], paths.get("events"), policy=policy, as_of=AS_OF, want=want, by=by,
                     timezone=tz, max_group_rows=rows, engine="spark", spark=spark)[0]


def _differ(got: pl.DataFrame, want: pl.DataFrame) -> str:
    """Empty where ``got`` holds exactly ``want``'s rows, else what differs."""
    if not got.height == want.height > 0:
        return f"{got.height} rows, {want.height} wanted"
    if P.canonical_hash(got) == P.canonical_hash(want):
        return ""
    a, b = got.sort(got.columns), want.select(got.columns).sort(got.columns)  # show the first difference
    diff = a.with_row_index().join(b.with_row_index(), on="index", suffix="_want")
    return f"rows differ; {got.height} rows; e.g. {diff.head(3).to_dicts()}"


# --- the local engine against the embedded one ---------------------------------------------------

@pytest.mark.parametrize("name", ["demo", "skewed", "folders", "hostile", "berlin text", "berlin naive", "no events"])
def test_local_engine_gives_the_embedded_clock_rows(histories, policy, name):
    got = _local(histories[name], policy)
    want, _ = _embedded(histories[name], policy)
    assert not _differ(got.rows, want)


def test_local_engine_rejects_what_the_ingest_rejects_with_its_line_and_reason(histories, policy):
    """Every rejected row, with the input's line number and reasons, as the ingest of the same files
    gives them; the duplicated id is rejected in both copies although their clients are two contracts'."""
    got = _local(histories["hostile"], policy).rejects_table()
    _, want = _embedded(histories["hostile"], policy)
    assert got.height == want.height == 9
    assert sorted(got.select("kind", "line", "ticket_id", "reason").rows(), key=str) == sorted(want.rows(), key=str)
    duplicate = histories["hostile"][2].row(3, named=True)["ticket_id"]
    assert got.filter(pl.col("ticket_id") == duplicate)["kind"].sort().to_list() == ["events", "tickets", "tickets"]
    assert set(got["file"]) == {str(histories["hostile"][0]["tickets"]), str(histories["hostile"][0]["events"])}


def test_rejects_of_a_folder_name_the_file_and_its_row(histories, policy):
    """Three files per input: a rejected row is named by its file and its row there, the ingest's line
    of the same rows in one file being (file number x rows per file + row)."""
    paths, _, tickets, events = histories["folders"]
    got = _local(histories["folders"], policy).rejects_table()
    _, want = _embedded(histories["folders"], policy)
    steps = {"tickets": -(-tickets.height // 3), "events": -(-events.height // 3)}
    expected = sorted((str(paths[kind] / f"part-{(line - 1) // steps[kind]}.parquet"), (line - 1) % steps[kind] + 1,
                       kind, ticket, reason) for kind, line, ticket, reason in want.rows())
    assert got.height == 9 and sorted(got.drop("row_json").rows()) == expected
    # the hostile rows come last; the duplicated id's first copy is the fourth ticket
    assert {f.rsplit("/", 1)[1] for f in got["file"]} == {"part-0.parquet", "part-2.parquet"}


def test_figures_do_not_change_with_the_number_of_parts(histories, policy):
    """The skewed contract cut into 1, 3 or 31 parts (and the others with it): the same rows and counts."""
    history = histories["skewed"]
    want, _ = _embedded(history, policy)
    acme = history[2].filter(pl.col("client").replace_strict(policy.client_contract, default="") == "acme").height
    assert acme > 2_400
    for rows in (P.MAX_GROUP_ROWS, 1_000, 97):
        source = P.LocalInput(tuple(map(str, _files(history[0], "tickets"))), tuple(map(str, _files(history[0], "events"))), rows)
        groups = P.local_groups(source, policy)
        assert sum(1 for g, _, _ in groups if g == "acme") == -(-acme // rows)
        assert not _differ(_local(history, policy, rows=rows).rows, want)
        summed = _local(history, policy, "counts", ("priority",), rows=rows).rows
        assert not _differ(summed, counts(want.with_columns(pl.col("outcome")), ["priority"]))


def test_local_engine_in_a_process_pool(histories, policy):
    want, _ = _embedded(histories["skewed"], policy)
    got = _local(histories["skewed"], policy, rows=500, workers=2, measure=True)
    assert not _differ(got.rows, want)
    ran = {m["pid"] for m in got.metrics}
    assert len(ran) == 2 and os.getpid() not in ran  # two processes of the pool ran the groups, not this one


def test_the_local_engine_reads_its_input_once_whatever_the_number_of_groups(histories, policy, monkeypatch,
                                                                             tmp_path):
    """Tickets are read twice (routing, then the split into each task's files) and events once, for 2
    parts as for more than 25; the tasks' files are gone afterwards."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    history = histories["skewed"]
    want, _ = _embedded(history, policy)
    scans = []
    original = P._scan

    def counting(files):
        scans.append(files)
        return original(files)

    monkeypatch.setattr(P, "_scan", counting)
    for rows, at_least in ((2_000, 3), (97, 26)):
        source = P.LocalInput(tuple(map(str, _files(history[0], "tickets"))), tuple(map(str, _files(history[0], "events"))),
                              rows)
        assert len(P.local_groups(source, policy)) >= at_least
        scans.clear()
        assert not _differ(_local(history, policy, rows=rows).rows, want)
        assert scans == [source.tickets, source.tickets, source.events]  # routing, then the split's two reads
    assert list(tmp_path.iterdir()) == []


def test_shipped_calendars_are_used_and_give_the_figures_of_calendars_built_here(histories, policy):
    """A group reads the driver's tables where they span its tickets (the history's creations are typed,
    so the driver knows the earliest), and those give the same rows as tables built for the group."""
    from slametrics import calendar

    job = _job(histories["demo"], policy)
    assert job.calendars and all(t.origin <= int(dt.datetime(2024, 11, 1, tzinfo=dt.timezone.utc).timestamp())
                                 for t in job.calendars.values())
    built = []
    original = calendar.build_business_time

    def counting(*args):
        built.append(args)
        return original(*args)

    calendar.build_business_time = counting
    try:
        paths = histories["demo"][0]
        tickets = P.encode(pl.read_parquet(paths["tickets"]).with_row_index(P.LINE, offset=1)
                           .with_columns(pl.col(P.LINE).cast(pl.Int64)), job.encoding["tickets"])
        rows = P.run_group(job, "acme", tickets.to_arrow(), None)
    finally:
        calendar.build_business_time = original
    assert rows.num_rows > 1_000 and built == []


def test_an_executor_with_other_versions_refuses_to_compute(histories, policy):
    job = _job(histories["demo"], policy)
    wrong = dict(job.fingerprint, holidays="0.1")
    with pytest.raises(DataError, match=r"holidays is .+ here but 0\.1 on the driver.*requirements\.txt"):
        P.check_here(wrong, policy, "UTC")
    assert job.fingerprint["time zone Europe/Berlin"] == P.fingerprint(policy, "UTC")["time zone Europe/Berlin"]


# --- the command line -------------------------------------------------------------------------

def _cli(*args: str, capsys) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_local_engine_matches_the_database_and_writes_parquet_and_rejects(histories, tmp_path, capsys):
    paths, _, tickets, events = histories["hostile"]
    db = tmp_path / "x.duckdb"
    assert _cli("ingest", "--db", str(db), "--tickets", str(paths["tickets"]), "--events", str(paths["events"]),
                "--quiet", capsys=capsys)[0] == 0
    for command in (["evaluate"], ["compliance", "--by", "priority,team", "--period", "quarter"], ["credits"],
                    ["credits", "--period", "year"]):
        code, _, _ = _cli(*command, "--db", str(db), "--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "db.csv"),
                          capsys=capsys)
        assert code == 0
        code, _, err = _cli(*command, "--engine", "local", "--tickets", str(paths["tickets"]), "--events",
                            str(paths["events"]), "--as-of", AS_OF.isoformat(), "--workers", "1",
                            "--out", str(tmp_path / "local.csv"), capsys=capsys)
        assert code == 0, err
        assert (tmp_path / "local.csv").read_text().splitlines()[0] == (tmp_path / "db.csv").read_text().splitlines()[0]
        assert sorted((tmp_path / "local.csv").read_text().splitlines()) == sorted((tmp_path / "db.csv").read_text().splitlines())
    assert f"tickets: {tickets.height} read, {tickets.height - 6} accepted, 6 rejected" in err
    assert "9 input rows were rejected; --rejects FILE keeps them" in err
    code, _, _ = _cli("evaluate", "--engine", "local", "--tickets", str(paths["tickets"]), "--events", str(paths["events"]),
                      "--as-of", AS_OF.isoformat(), "--parquet", str(tmp_path / "clocks"), "--workers", "1",
                      "--max-group-rows", "300", "--rejects", str(tmp_path / "rejects.csv"), "--quiet", capsys=capsys)
    assert code == 0
    written = pl.read_parquet(tmp_path / "clocks")
    assert len(list((tmp_path / "clocks").glob("part-*.parquet"))) > 3
    _, want = _cli("evaluate", "--db", str(db), "--as-of", AS_OF.isoformat(), capsys=capsys)[:2]
    assert sorted(written.select(CLOCK_COLUMNS).write_csv().splitlines()[1:]) == sorted(want.splitlines()[1:])
    rejects = pl.read_csv(tmp_path / "rejects.csv", infer_schema=False)
    assert rejects.columns == ["file", "line", "kind", "ticket_id", "reason", "row_json"]
    assert rejects.height == 9 and "UNKNOWN" in rejects["ticket_id"].to_list()


@pytest.mark.parametrize("args, message", [
    (["--engine", "local"], "--engine local: name the tickets with --tickets PATH"),
    (["--tickets", "x.parquet"], "--tickets: only with --engine local|spark"),
    (["--engine", "local", "--tickets", "nowhere.parquet"], "nowhere.parquet: no such tickets file or folder"),
    (["--engine", "local", "--tickets", "T", "--spark-remote", "sc://h:1"], "--spark-remote: only with --engine spark"),
    (["--engine", "local", "--tickets", "T", "--max-group-rows", "0"], "--max-group-rows: 0 is not a positive number"),
    (["--engine", "local", "--tickets", "T", "--full"], "--full: only for the database"),
    (["--engine", "local", "--tickets", "T", "--timezone", "Mars/Olympus"], "'Mars/Olympus' is not a known time zone"),
])
def test_cli_engine_mistakes_get_one_clear_line(histories, capsys, args, message):
    args = [str(histories["demo"][0]["tickets"]) if a == "T" else a for a in args]
    code, out, err = _cli("evaluate", *args, capsys=capsys)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_missing_column_and_unreadable_file_are_refused_naming_the_file(tmp_path, histories, capsys):
    tickets = histories["demo"][2].drop("created_at")
    tickets.write_parquet(tmp_path / "t.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    for path, message in ((tmp_path / "t.parquet", "missing required column created_at"),
                          (tmp_path / "broken.parquet", "cannot read as Parquet")):
        code, _, err = _cli("evaluate", "--engine", "local", "--tickets", str(path), capsys=capsys)
        assert code == 2 and f"{path}: " in err and message in err, err


def test_a_policy_with_an_unknown_time_zone_is_refused_before_anything_runs(tmp_path, histories, capsys):
    text = POLICY.read_text().replace("Europe/Berlin", "Europe/Atlantis", 1)
    assert "Europe/Atlantis" in text
    (tmp_path / "policy.yaml").write_text(text)
    code, _, err = _cli("credits", "--engine", "local", "--tickets", str(histories["demo"][0]["tickets"]),
                        "--policy", str(tmp_path / "policy.yaml"), capsys=capsys)
    assert code == 2 and "Europe/Atlantis" in err and "Traceback" not in err


# --- Spark -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        pytest.skip(NO_JAVA)
    from slametrics import spark as S

    session = S.session(master="local[2]")
    yield session
    session.stop()


@pytest.mark.parametrize("name", ["demo", "skewed", "folders", "hostile", "berlin text", "berlin naive", "no events"])
def test_spark_gives_the_local_engines_rows_and_rejects(spark, histories, policy, name):
    local = _local(histories[name], policy)
    got = _spark(spark, histories[name], policy)
    assert P.canonical_hash(got.rows) == P.canonical_hash(local.rows)
    assert not _differ(got.rows, _embedded(histories[name], policy)[0])
    rejects = got.rejects_table().with_columns(pl.col("file").str.replace(r"^.*/", ""))
    expected = local.rejects_table().with_columns(pl.col("file").str.replace(r"^.*/", ""))
    assert P.canonical_hash(rejects) == P.canonical_hash(expected)
    assert rejects.height == (9 if name in ("hostile", "folders") else 0)


@pytest.mark.parametrize("partitions", [1, 3, 8])
@pytest.mark.parametrize("rows", [P.MAX_GROUP_ROWS, 400])
def test_spark_counts_do_not_change_with_shuffle_partitions_or_parts(spark, histories, policy, partitions, rows):
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    try:
        got = _spark(spark, histories["skewed"], policy, "counts", ("priority",), rows=rows)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", "4")
    want = counts(_embedded(histories["skewed"], policy)[0], ["priority"])
    assert not _differ(got.rows, want)


def test_spark_on_an_executor_with_other_versions_says_which(spark, histories, policy, monkeypatch):
    from slametrics import spark as S

    real = P.make_job

    def other_driver(*args, **kwargs):
        job = real(*args, **kwargs)
        return P.Job(**{**job.__dict__, "fingerprint": {**job.fingerprint, "polars": "0.0.1"}})

    monkeypatch.setattr(P, "make_job", other_driver)
    with pytest.raises(DataError, match=r"^executor .+: polars is .+ here but 0\.0\.1 on the driver"):
        _spark(spark, histories["demo"], policy)
    assert S._first_line(RuntimeError("boom\nValueError: deep down")) == "an executor failed: ValueError: deep down"


def test_spark_missing_column_is_refused_naming_the_file(spark, tmp_path, histories, policy):
    from slametrics import spark as S

    histories["demo"][3].drop("status").write_parquet(tmp_path / "e.parquet")
    with pytest.raises(DataError, match=r"e\.parquet: missing required column status"):
        S.run(spark, lambda enc, low: _job(histories["demo"], policy), str(histories["demo"][0]["tickets"]),
              str(tmp_path / "e.parquet"), client_contract=policy.client_contract)


def test_cli_spark_engine_writes_the_same_csv_and_parquet(spark, histories, tmp_path, capsys):
    paths = histories["hostile"][0]
    common = ["--tickets", str(paths["tickets"]), "--events", str(paths["events"]), "--as-of", AS_OF.isoformat()]
    for command in (["evaluate"], ["credits", "--period", "quarter"]):
        assert _cli(*command, "--engine", "local", *common, "--workers", "1", "--out", str(tmp_path / "l.csv"), capsys=capsys)[0] == 0
        code, _, err = _cli(*command, "--engine", "spark", *common, "--out", str(tmp_path / "s.csv"), capsys=capsys)
        assert code == 0, err
        local, remote = (tmp_path / "l.csv").read_text().splitlines(), (tmp_path / "s.csv").read_text().splitlines()
        assert len(local) > 10 and local[0] == remote[0] and sorted(local) == sorted(remote)
    assert _cli("evaluate", "--engine", "spark", *common, "--parquet", str(tmp_path / "p"), "--quiet", capsys=capsys)[0] == 0
    written = pl.read_parquet(tmp_path / "p" / "*.parquet")
    _, out, _ = _cli("evaluate", "--engine", "local", *common, "--workers", "1", "--quiet", capsys=capsys)
    assert sorted(written.select(CLOCK_COLUMNS).write_csv().splitlines()[1:]) == sorted(out.splitlines()[1:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}


def test_spark_connect_server_gives_the_same_figures(histories, tmp_path):
    """A Spark Connect server of its own (pyspark's sbin/start-connect-server.sh), reached by
    --spark-remote; the engine's code reaches its executors as the zip the job ships."""
    if shutil.which("java") is None:
        pytest.skip(NO_JAVA)
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    env = {**_env(), "SPARK_HOME": str(home), "SPARK_LOG_DIR": str(tmp_path), "SPARK_PID_DIR": str(tmp_path),
           "SPARK_IDENT_STRING": f"sla{port}"}
    env.pop("PYTHONPATH")  # the server's executors import slametrics from the shipped zip only
    subprocess.run(["bash", str(home / "sbin" / "start-connect-server.sh"), "--master", "local[2]",
                    "--conf", f"spark.connect.grpc.binding.port={port}",
                    "--conf", "spark.connect.grpc.binding.address=127.0.0.1"], env=env, check=True,
                   capture_output=True, timeout=120)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no Spark Connect server on {port}: {list(tmp_path.glob('*.out'))}")
                time.sleep(1)
        paths = histories["skewed"][0]
        common = ["compliance", "--by", "priority", "--tickets", str(paths["tickets"]), "--events", str(paths["events"]),
                  "--as-of", AS_OF.isoformat(), "--quiet"]
        remote = subprocess.run([sys.executable, "-m", "slametrics", *common, "--engine", "spark",
                                 "--spark-remote", f"sc://127.0.0.1:{port}", "--max-group-rows", "700"],
                                cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300)
        assert remote.returncode == 0, remote.stderr[-2000:]
        local = subprocess.run([sys.executable, "-m", "slametrics", *common, "--engine", "local", "--workers", "1"],
                               cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300)
        assert local.returncode == 0, local.stderr
        assert len(local.stdout.splitlines()) > 50
        assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    finally:
        subprocess.run(["bash", str(home / "sbin" / "stop-connect-server.sh")], env=env, capture_output=True, timeout=120)


def test_spark_with_separate_executor_processes_gives_the_same_figures(histories):
    """local-cluster[2,1,1024]: two executor JVMs, each with Python workers of its own, so whatever
    works only inside one process (a module state, a file read by path) shows here."""
    if shutil.which("java") is None:
        pytest.skip(NO_JAVA)
    paths = histories["hostile"][0]
    common = ["credits", "--tickets", str(paths["tickets"]), "--events", str(paths["events"]),
              "--as-of", AS_OF.isoformat(), "--quiet"]
    env = {**_env(), "SLA_SPARK_MASTER": "local-cluster[2,1,1024]"}
    cluster = subprocess.run([sys.executable, "-m", "slametrics", *common, "--engine", "spark", "--max-group-rows", "300"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert cluster.returncode == 0, cluster.stderr[-2000:]
    local = subprocess.run([sys.executable, "-m", "slametrics", *common, "--engine", "local", "--workers", "1"],
                           cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300)
    assert len(local.stdout.splitlines()) > 20
    assert sorted(cluster.stdout.splitlines()) == sorted(local.stdout.splitlines())
