"""Regenerate the expected_*.csv files of the golden cases from tests/reference.py.

Run on purpose only, then read the diff:

    .venv/bin/python tests/make_golden.py              # every case
    .venv/bin/python tests/make_golden.py us_dst       # some cases

A changed figure means either the reference was fixed (say why in the commit) or a case's input was
changed; the hand calculation in the case's `case.yaml` description must still hold.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"


def main(names: list[str]) -> None:
    cases = [GOLDEN / n for n in names] if names else sorted(p for p in GOLDEN.iterdir() if (p / "case.yaml").exists())
    for case_dir in cases:
        for filename, (columns, rows) in reference.expected_tables(case_dir).items():
            reference.write_csv(case_dir / filename, columns, rows)
        print(f"{case_dir.name}: written")


if __name__ == "__main__":
    main(sys.argv[1:])
