"""What a figure depends on besides the data and the policy: the engine's code, Python, the libraries and
the time zone rules. Where figures are made in one process and used in another (a Spark executor's
counts, the clock store's files kept on disk), both must have the same fingerprint.

The code's digest is taken when this module is first imported, so a process labels what it makes with
the code it runs, even when the files on disk are replaced while it runs (an upgrade, a pull).
"""
from __future__ import annotations

import hashlib
import importlib.resources
import platform
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from slametrics.policy import Policy


def _zone_bytes(zone: str) -> bytes:
    """The time zone file ``zoneinfo`` reads for ``zone``: the first on its search path, else tzdata's."""
    import zoneinfo

    for root in zoneinfo.TZPATH:
        path = Path(root, zone)
        if path.is_file():
            return path.read_bytes()
    try:
        return importlib.resources.files("tzdata").joinpath("zoneinfo", *zone.split("/")).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return b""


def _digest_of_sources() -> str:
    """A digest of the slametrics package's Python and SQL files."""
    h = hashlib.sha256()

    def walk(folder, prefix: str) -> None:  # importlib.resources: the same inside a zip shipped to Spark
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir() and entry.name != "__pycache__":
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith((".py", ".sql")):
                h.update(f"{prefix}{entry.name}".encode() + b"\0" + entry.read_bytes())

    walk(importlib.resources.files("slametrics"), "")
    return h.hexdigest()[:16]


_SOURCES = _digest_of_sources()


def sources_digest() -> str:
    """The digest of the engine's code this process imported (see the module's doc)."""
    return _SOURCES


def fingerprint(policy: Policy, timezone: str) -> dict[str, str]:
    """Versions of everything a figure depends on, in this process: the engine's code, Python, the
    libraries, and the bytes of each time zone the policy's calendars and ``timezone`` use."""
    import duckdb
    import holidays

    out = {"slametrics": sources_digest(), "python": platform.python_version(), "polars": pl.__version__,
           "numpy": np.__version__, "duckdb": duckdb.__version__, "pyarrow": pa.__version__,
           "holidays": holidays.__version__}
    for zone in sorted({cal.timezone for cal in policy.calendars.values()} | {timezone}):
        out[f"time zone {zone}"] = hashlib.sha256(_zone_bytes(zone)).hexdigest()[:16]
    return out
