"""Golden cases: the command line, run as a user would, against hand-checked expected CSVs.

Each folder under tests/golden/ holds tickets.csv, optional events.csv, policy.yaml, case.yaml
(as_of, optional timezone and by, and a description with a hand calculation) and the expected
outputs of `evaluate`, `compliance` and `credits`. The expected files are written by
tests/make_golden.py from tests/reference.py, an independent slow implementation of SLA_SPEC §3-§5;
`test_reference_agrees_with_expected_files` keeps anyone from editing them by hand.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import reference  # noqa: E402
from cli_runner import run_cli  # noqa: E402

CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "case.yaml").exists())
NUMERIC = {
    "target_seconds", "elapsed_seconds", "paused_seconds", "overrun_seconds", "met", "breached",
    "pending", "assessed", "compliance", "objective", "credit_rate", "credit_amount",
}
SIX_PLACES = Decimal("0.000001")


def check(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"{result.args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def normalize(column: str, cell: str) -> str:
    """Numbers as decimals rounded to 6 places (so 1, 1.0 and 1.000000 agree); other text as is."""
    if column not in NUMERIC or cell == "":
        return cell
    try:
        return str(Decimal(cell).quantize(SIX_PLACES, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return cell


def read_table(path: Path) -> tuple[list[str], Counter]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows, f"{path.name} is empty: it should at least have a header row"
    header, body = rows[0], rows[1:]
    return header, Counter(tuple(normalize(c, v) for c, v in zip(header, row, strict=True)) for row in body)


def assert_same_table(actual: Path, expected: Path) -> None:
    exp_header, exp_rows = read_table(expected)
    act_header, act_rows = read_table(actual)
    assert act_header == exp_header, f"{expected.name}: columns differ"
    missing = exp_rows - act_rows
    extra = act_rows - exp_rows
    if missing or extra:
        lines = [f"{expected.name}: rows differ (as sets; columns {', '.join(exp_header)})"]
        lines += [f"  missing:    {','.join(r)}" for r in sorted(missing.elements())]
        lines += [f"  unexpected: {','.join(r)}" for r in sorted(extra.elements())]
        pytest.fail("\n".join(lines))


@pytest.mark.parametrize("case", CASES)
def test_command_line_matches_golden_case(case: str, tmp_path: Path) -> None:
    source = GOLDEN / case
    for name in ("tickets.csv", "events.csv", "policy.yaml"):
        if (source / name).exists():
            shutil.copy(source / name, tmp_path / name)
    spec = reference.load_case(source)
    db = "sla.duckdb"

    ingest = ["ingest", "--db", db, "--tickets", "tickets.csv"]
    if (source / "events.csv").exists():
        ingest += ["--events", "events.csv"]
    if spec["timezone"]:
        ingest += ["--timezone", spec["timezone"]]
    check(run_cli(*ingest, "--policy", "policy.yaml", cwd=tmp_path))

    common = ["--db", db, "--policy", "policy.yaml", "--as-of", spec["as_of"]]
    by = ["--by", ",".join(spec["by"])] if spec["by"] else []
    runs = [("evaluate", [], "expected_evaluate.csv"), ("compliance", by, "expected_compliance.csv"),
            ("credits", [], "expected_credits.csv")]
    for grain in spec["periods"]:
        runs += [("compliance", [*by, "--period", grain], f"expected_compliance_{grain}.csv"),
                 ("credits", ["--period", grain], f"expected_credits_{grain}.csv")]
    for command, extra, expected in runs:
        out = f"{expected.removeprefix('expected_')}"
        check(run_cli(command, *common, *extra, "--out", out, cwd=tmp_path))
        assert_same_table(tmp_path / out, source / expected)


@pytest.mark.parametrize("case", CASES)
def test_reference_agrees_with_expected_files(case: str, tmp_path: Path) -> None:
    for name, (columns, rows) in reference.expected_tables(GOLDEN / case).items():
        reference.write_csv(tmp_path / name, columns, rows)
        committed = (GOLDEN / case / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == committed, (
            f"{case}/{name} differs from what tests/reference.py computes: regenerate it with "
            f"tests/make_golden.py on purpose and read the diff, never edit it by hand"
        )


@pytest.mark.parametrize("case", CASES)
def test_golden_case_has_a_hand_calculation(case: str) -> None:
    spec = reference.load_case(GOLDEN / case)
    assert len(spec["description"].split()) >= 30, f"{case}/case.yaml: describe the case and hand-check a figure"
    assert (GOLDEN / case / "policy.yaml").exists() and (GOLDEN / case / "tickets.csv").exists()
