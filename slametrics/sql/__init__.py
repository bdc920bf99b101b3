"""SQL statements, one per file, read by name."""
from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).parent


@cache
def statement(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return (_DIR / f"{name}.sql").read_text(encoding="utf-8")
