"""The Spark engine: the local engine's groups, on a Spark cluster or Spark Connect server (docs/engines.md).

Tickets and events are read by Spark where they live, routed by the rules of ``slametrics.partitioned``
(the same groups, parts and ``_line`` numbering), then co-grouped by (group, part) and handed to
``partitioned.run_group`` as Arrow tables (``cogroup(...).applyInArrow``: instants are Int64 epoch
microseconds, never pandas, which would shift times to the session's zone). The executors run the
project's own engine: its code is shipped with the job, and each group checks that its process has
the driver's versions of the libraries and time zones before it computes anything.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import polars as pl
import pyarrow as pa

from slametrics import partitioned as P
from slametrics.errors import DataError

#: what a run with no --spark-remote starts: a local Spark in this process's JVM, on loopback only
DEFAULT_MASTER = "local[2]"


def session(remote: str | None = None, *, master: str | None = None, shuffle_partitions: int | None = None,
            conf: dict[str, str] | None = None):
    """A Spark session: the Spark Connect server at ``remote`` (``sc://HOST:PORT``), else a local one on
    ``master`` (``$SLA_SPARK_MASTER`` or local[2]) bound to 127.0.0.1. The engine's code is added to it."""
    # PySpark 4.3 warns that pandas 3 is new to it; the engine hands Spark Arrow tables, never pandas
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DataError("--engine spark needs pyspark: ./run installs it from requirements.txt") from None
    if remote:
        if not re.fullmatch(r"sc://[A-Za-z0-9.\-\[\]:]+(/.*)?", remote):
            raise DataError(f"--spark-remote: {remote[:60]!r} is not a Spark Connect address; write sc://HOST:PORT")
        builder = SparkSession.builder.remote(remote)
    else:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors run this environment's Python
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only, and no warning that it is
        logging = f"-Dlog4j2.configurationFile=file:{Path(__file__).with_name('spark_log4j2.properties')}"
        builder = (SparkSession.builder.master(master or os.environ.get("SLA_SPARK_MASTER", DEFAULT_MASTER))
                   .appName("slametrics")
                   .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.executorEnv.PYSPARK_PYTHON", os.environ["PYSPARK_PYTHON"])
                   .config("spark.driver.extraJavaOptions", logging).config("spark.executor.extraJavaOptions", logging))
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, a server that does not answer
        raise DataError(f"cannot start Spark{' at ' + remote if remote else ''}: {_first_line(exc)}"
                        + ("" if remote else " (is Java installed? ./run tests installs it)")) from None
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    if not remote:
        spark.sparkContext.setLogLevel("ERROR")
    if shuffle_partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions))
    _add_code(spark)
    return spark


def _connect(spark) -> bool:
    try:
        from pyspark.sql.connect.session import SparkSession as Remote
    except ImportError:
        return False
    return isinstance(spark, Remote)


_ADDED: set[int] = set()


def _add_code(spark) -> None:
    """Ship the slametrics package with every job of ``spark`` (once per session)."""
    if id(spark) in _ADDED:
        return
    root = Path(__file__).parent
    folder = Path(tempfile.mkdtemp(prefix="slametrics-code-"))
    target = folder / "slametrics_code.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".sql"):
                zf.write(path, Path("slametrics") / path.relative_to(root))
    if _connect(spark):
        spark.addArtifacts(str(target), pyfile=True)
    else:
        spark.sparkContext.addPyFile(str(target))
    _ADDED.add(id(spark))


def _first_line(exc: BaseException) -> str:
    """What went wrong, from a Spark error that may carry an executor's Python traceback: our own
    message where the engine raised one, else the traceback's last error line, else its first line."""
    text = str(exc).strip()
    ours = re.findall(r"slametrics\.errors\.\w*Error: (.+)", text)
    if ours:
        return ours[-1].strip()
    raised = re.findall(r"^(\w+(?:Error|Exception): .+)$", text, flags=re.MULTILINE)
    if raised:
        return f"an executor failed: {raised[-1].strip()[:300]}"
    return (text.splitlines() or ["(no message)"])[0][:300]


def _read(spark, path: str, kind: str):
    """``path`` as a Spark frame with ``_line`` (file number << 32 | row, from 1; files in path order),
    and the sorted file names; the checks of ``partitioned.input_schema`` on Spark's schema."""
    from pyspark.sql import functions as F

    local = "://" not in path
    if local and not Path(path).exists():
        raise DataError(f"{path}: no such {kind} file or folder")
    try:
        frame = spark.read.option("recursiveFileLookup", "true").parquet(path)
        names = frame.columns
    except Exception as exc:
        raise DataError(f"{path}: cannot read as Parquet: {_first_line(exc)}") from None
    fields = {f.name: f.dataType.typeName() for f in frame.schema.fields}
    nested = [n for n, t in fields.items() if t in ("array", "map", "struct")]
    if nested:
        raise DataError(f"{path}: column{'s' if len(nested) > 1 else ''} {', '.join(nested)} hold lists or "
                        f"structures: every column of the {kind} holds one value per row (text, number or time)")
    required = P.TICKET_REQUIRED if kind == "tickets" else P.EVENT_REQUIRED
    missing = [c for c in required if c not in names]
    if missing:
        raise DataError(f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)} (SLA_SPEC §1: {', '.join(required)})")
    frame = frame.select("*", F.col("_metadata.file_path").alias("_path"), F.col("_metadata.row_index").alias("_row"))
    files = sorted(r[0] for r in frame.select("_path").distinct().collect())
    numbers = spark.createDataFrame(list(enumerate(files)), "_fileno long, _path string")
    frame = (frame.join(F.broadcast(numbers), "_path")
             .withColumn(P.LINE, F.col("_fileno") * (2 ** P.LINE_BITS) + F.col("_row") + 1)
             .drop("_path", "_row", "_fileno"))
    encoding = {}
    for name in P.INSTANTS[kind]:
        kind_of = fields.get(name)
        if kind_of in ("timestamp", "timestamp_ntz"):
            encoding[name] = "utc" if kind_of == "timestamp" else "local"
            # a time without a zone: its wall clock as if UTC (the session's zone is UTC), as polars' epoch
            frame = frame.withColumn(name, F.unix_micros(F.col(name).cast("timestamp")))
    shown = [re.sub(r"^file:(//)?", "", f) for f in files]
    return frame.withColumn("ticket_id", F.col("ticket_id").cast("string")), shown, encoding


def _spark_schema(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name} {'bigint' if pa.types.is_integer(f.type) else 'string'}" for f in schema)


def _group_fn(job: P.Job, events: bool):
    """The function Spark calls per (group, part): a closure without type hints, which Spark Connect
    would try to read (and fails to, in 4.3, on a ``functools.partial``)."""
    if events:
        def each(key, tickets, events):
            return P.run_group(job, key[0].as_py(), tickets, events)
    else:
        def each(key, tickets):
            return P.run_group(job, key[0].as_py(), tickets, None)
    return each


def run(spark, job_of, tickets_path: str, events_path: str | None, *, client_contract: dict[str, str],
        max_group_rows: int = P.MAX_GROUP_ROWS, parquet: str | None = None) -> tuple[P.Outcome, dict[str, int]]:
    """Route (each client to its contract by ``client_contract``, the policy's), co-group and evaluate on
    ``spark``; ``job_of(encoding, earliest_s)`` makes the job once the inputs' types are known. Returns
    the outcome (clock rows are left out where they were written to ``parquet``) and the rows read per
    input."""
    from pyspark.sql import functions as F

    t, t_files, t_enc = _read(spark, tickets_path, "tickets")
    t_columns = [c for c in t.columns if c != P.LINE]  # as in the files: a rejected row's record keeps their order
    e = e_files = None
    e_enc: dict[str, str] = {}
    if events_path is not None:
        e, e_files, e_enc = _read(spark, events_path, "events")
        e_columns = [c for c in e.columns if c != P.LINE]
    encoding = {"tickets": t_enc, "events": e_enc}
    client_map = spark.createDataFrame(list(client_contract.items()) or [("", "")], "client string, _contract string")
    # every copy of an id that occurs more than once goes to "" (a hash aggregate, not a window's sort)
    repeated_ids = (t.groupBy("ticket_id").count().filter("count > 1 AND ticket_id IS NOT NULL")
                    .select("ticket_id", F.lit(True).alias("_repeated")))
    t = (t.withColumn("client", F.col("client").cast("string"))
         .join(F.broadcast(client_map), "client", "left")
         .join(repeated_ids, "ticket_id", "left")
         .withColumn(P.GROUP, F.when(F.col("ticket_id").isNull() | F.col("_repeated").isNotNull(), F.lit(""))
                     .otherwise(F.coalesce(F.col("_contract"), F.lit(""))))
         .drop("_contract", "_repeated")).persist()
    low = F.min("created_at") if "created_at" in t_enc else F.lit(None).cast("bigint")
    stats = t.groupBy(P.GROUP).agg(F.count(F.lit(1)).alias("n"), low.alias("low")).collect()
    sizes = {r[0]: r[1] for r in stats}
    lows = [r[2] for r in stats if r[2] is not None]
    job: P.Job = job_of(encoding, min(lows) // 1_000_000 if lows else None)
    read = {"tickets": sum(sizes.values())}
    parts = P.parts_of(sizes, max_group_rows)
    if e is not None and "" not in parts:
        parts[""] = 1
    k = F.create_map(*[F.lit(x) for g, n in parts.items() for x in (g, n)])

    def part(ids):
        return F.pmod(F.xxhash64(F.coalesce(ids, F.lit(""))), F.element_at(k, F.col(P.GROUP))).cast("bigint")

    t = t.withColumn(P.PART, part(F.col("ticket_id"))).select(*t_columns, P.LINE, P.GROUP, P.PART)  # the input's order
    schema = _spark_schema(job.result_schema())
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    if e is None:
        out = t.groupBy(P.GROUP, P.PART).applyInArrow(_group_fn(job, False), schema)
    else:
        owners = t.filter(F.col(P.GROUP) != "").select("ticket_id", F.col(P.GROUP).alias("_g"), F.col(P.PART).alias("_p"))
        e = (e.join(owners, "ticket_id", "left")
             .withColumn(P.GROUP, F.coalesce(F.col("_g"), F.lit("")))
             .withColumn(P.PART, F.coalesce(F.col("_p"), part(F.col("ticket_id"))))
             .select(*e_columns, P.LINE, P.GROUP, P.PART))
        read["events"] = e.count()
        out = t.groupBy(P.GROUP, P.PART).cogroup(e.groupBy(P.GROUP, P.PART)).applyInArrow(_group_fn(job, True), schema)
    files = {"tickets": t_files, **({"events": e_files} if e_files is not None else {})}
    try:
        if parquet is not None and job.want == "clocks":
            out = out.persist()
            (out.filter(F.col("_kind") == "row").drop(*P.REJECT_COLUMNS).write.mode("errorifexists").parquet(parquet))
            tables = [out.filter(F.col("_kind") != "row").toArrow()]
        else:
            tables = [out.toArrow()]
    except Exception as exc:
        raise DataError(_first_line(exc)) from None
    finally:
        t.unpersist()
    return P.gathered(job, tables, files), read
