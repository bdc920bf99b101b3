"""SQL statements, one per file, read by name."""
from __future__ import annotations

from functools import cache
from importlib.resources import files

_DIR = files(__package__)  # a folder, or a folder inside a zip (the code Spark ships to executors)


@cache
def statement(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return _DIR.joinpath(f"{name}.sql").read_text(encoding="utf-8")
