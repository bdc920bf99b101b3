"""SQL of the imports package, one statement per file, read by name (as ``slametrics.sql``)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).parent


@cache
def statement(name: str) -> str:
    """The text of ``imports/sql/<name>.sql``."""
    return (_DIR / f"{name}.sql").read_text(encoding="utf-8")
