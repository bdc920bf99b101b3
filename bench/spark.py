"""How the Parquet engines scale: the Spark engine on ``local-cluster`` workers, beside the local engine.

    python bench/spark.py --tickets 1000000 --workers 1,2 --out bench/results/spark-1m.json

The history is the demo's generator (``slametrics.demo.generate_history``) written as Parquet under
``--workdir``, once per size. For each size and each number of workers W, one child process runs
``credits`` over it (the clock step for every ticket, counts summed per contract) on
``local-cluster[W,1,MB]`` (W executor processes with one core each) and, in the same child, the local
engine with a pool of W processes; their figures must be identical (``checked``). Each group reports
its rows, seconds, process and peak memory (``Job.measure``), so the JSON holds per-partition rows,
time and memory beside the total. What each key means: bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

POLICY = ROOT / "config" / "policy.yaml"
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def history(n: int, workdir: Path) -> Path:
    """The demo history of ``n`` tickets as tickets.parquet and events.parquet (made once per size)."""
    from slametrics.demo import generate_history

    folder = workdir / f"spark-{n}"
    if not (folder / "events.parquet").exists():
        folder.mkdir(parents=True, exist_ok=True)
        tickets, events = generate_history(n_tickets=n)
        tickets.write_parquet(folder / "tickets.parquet")
        events.write_parquet(folder / "events.parquet")
    return folder


def one(folder: Path, workers: int, group_rows: int, memory_mb: int) -> dict:
    """One size and number of workers, in this (child) process: Spark on local-cluster, then local."""
    import polars as pl

    from slametrics import partitioned as P
    from slametrics import spark as S
    from slametrics.policy import load_policy

    policy = load_policy(POLICY)
    tickets, events = folder / "tickets.parquet", folder / "events.parquet"

    def job_of(encoding, earliest):
        return P.make_job(policy, AS_OF, timezone="UTC", want="counts", encoding=encoding, earliest_s=earliest,
                          measure=True)

    started = time.perf_counter()
    spark = S.session(master=f"local-cluster[{workers},1,{memory_mb}]",
                      shuffle_partitions=max(2, 2 * workers), conf={"spark.executor.memory": f"{memory_mb}m"})
    session_s = time.perf_counter() - started
    started = time.perf_counter()
    remote, read = S.run(spark, job_of, str(tickets), str(events), client_contract=policy.client_contract,
                         max_group_rows=group_rows)
    spark_s = time.perf_counter() - started
    spark.stop()

    t_files, e_files = [tickets], [events]
    encoding = {"tickets": P.encoding_of(P.input_schema(t_files, "tickets", str(tickets)), "tickets"),
                "events": P.encoding_of(P.input_schema(e_files, "events", str(events)), "events")}
    job = job_of(encoding, P.earliest_created(t_files, encoding["tickets"]))
    source = P.LocalInput((str(tickets),), (str(events),), group_rows)
    started = time.perf_counter()
    local = P.gathered(job, P.run_local(job, source, workers=workers), {"tickets": [str(tickets)], "events": [str(events)]})
    local_s = time.perf_counter() - started

    groups = sorted(remote.metrics, key=lambda m: -m["seconds"])
    n = read["tickets"]
    return {
        "tickets": n, "events": read.get("events"), "workers": workers, "max_group_rows": group_rows,
        "groups": len(groups), "session_s": round(session_s, 2), "spark_s": round(spark_s, 2),
        "spark_us_per_ticket": round(spark_s / n * 1e6, 2), "local_s": round(local_s, 2),
        "local_us_per_ticket": round(local_s / n * 1e6, 2),
        "largest_group_s": groups[0]["seconds"] if groups else None,
        "largest_group_tickets": max((m["tickets"] for m in groups), default=None),
        "group_s_sum": round(sum(m["seconds"] for m in groups), 2),
        "executor_processes": len({(m["host"], m["pid"]) for m in groups}),
        "executor_peak_rss_mb": max((m["peak_rss_mb"] for m in groups), default=None),
        "driver_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "checked": P.canonical_hash(remote.rows) == P.canonical_hash(local.rows),
        "rows": remote.rows.height, "per_group": groups,
        "assessed": int(remote.rows.select(pl.col("met").sum() + pl.col("breached").sum()).item()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="1000000", help="sizes, comma-separated (default 1000000)")
    parser.add_argument("--workers", default="1,2", help="local-cluster workers, comma-separated (default 1,2)")
    parser.add_argument("--max-group-rows", type=int, default=None,
                        help="cut contracts into parts of at most this many rows (default: size / 16)")
    parser.add_argument("--executor-memory-mb", type=int, default=2048)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "work"))
    parser.add_argument("--out", default=None, help="write the JSON here")
    parser.add_argument("--one", nargs=3, metavar=("FOLDER", "WORKERS", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(Path(args.one[0]), int(args.one[1]), int(args.one[2]), args.executor_memory_mb)))
        return 0
    sizes = [int(x) for x in args.tickets.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    runs = []
    for n in sizes:
        folder = history(n, Path(args.workdir))
        rows = args.max_group_rows or max(1_000, n // 16)
        for w in workers:
            print(f"{n:,} tickets, {w} worker(s)...", file=sys.stderr)
            child = subprocess.run([sys.executable, __file__, "--one", str(folder), str(w), str(rows),
                                    "--executor-memory-mb", str(args.executor_memory_mb)],
                                   capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            if child.returncode != 0:
                print(child.stderr[-3000:], file=sys.stderr)
                return 1
            run = json.loads(child.stdout.strip().splitlines()[-1])
            runs.append(run)
            print(f"  spark {run['spark_s']} s ({run['spark_us_per_ticket']} us/ticket, largest group "
                  f"{run['largest_group_s']} s), local {run['local_s']} s, checked {run['checked']}", file=sys.stderr)
    result = {"machine": {"cores": os.cpu_count(), "python": platform.python_version()},
              "date": dt.date.today().isoformat(), "runs": runs}
    text = json.dumps(result, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(json.dumps([{k: v for k, v in r.items() if k != "per_group"} for r in runs], indent=1))
    return 0 if all(r["checked"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
