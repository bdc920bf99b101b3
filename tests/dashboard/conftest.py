"""Fixtures of the dashboard's tests: the fixture database and policy, what the engine says about them,
and the app pointed at them (SLA_DB, SLA_POLICY) with Streamlit's caches cleared around each test."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.credits import credits
from slametrics.db import connect
from slametrics.policy import load_policy
from slametrics.scope import EVERYTHING
from tests.dashboard.fixture import AS_OF, write_fixture


@pytest.fixture(scope="session")
def fixture_files(tmp_path_factory) -> tuple[Path, Path]:
    return write_fixture(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture(scope="session")
def engine(fixture_files) -> tuple:
    """(policy, clocks, compliance, credits) of the fixture, as of the moment the app evaluates at."""
    db, policy_path = fixture_files
    return figures_of(db, load_policy(policy_path))


def figures_of(db: Path, policy) -> tuple:
    """(policy, clocks, compliance, credits) of ``db`` under ``policy``, as of the moment the app evaluates at."""
    con = connect(db, read_only=True)
    try:
        clocks = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    finally:
        con.close()
    levels = compliance(clocks, policy)
    return policy, clocks, levels, credits(levels, policy)


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()  # the app's read-only connections close once nothing holds them


@pytest.fixture
def app_env(fixture_files, monkeypatch, tmp_path) -> tuple[Path, Path]:
    db, policy_path = fixture_files
    monkeypatch.setenv("SLA_DB", str(db))
    monkeypatch.setenv("SLA_POLICY", str(policy_path))
    monkeypatch.setenv("SLA_ACCESS", str(db.parent / "access.yaml"))
    monkeypatch.setenv("SLA_AUDIT", str(tmp_path / "audit.jsonl"))  # each test's own
    _clear_caches()
    yield db, policy_path
    _clear_caches()



@pytest.fixture
def writable_db(app_env, tmp_path, monkeypatch) -> Path:
    """The app on a copy of the fixture database, for a test that loads tickets into it."""
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(app_env[0], copy)
    monkeypatch.setenv("SLA_DB", str(copy))
    return copy


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, str]]:
    """(file name, content) of every download button the pages draw while the test runs."""
    seen: list[tuple[str, str]] = []
    original = st.download_button

    def capture(label, data, *args, **kwargs):
        name = kwargs.get("file_name", "")
        content = data() if callable(data) else data  # a file made on the click: made here, as the click would
        seen.append((name, document_text(name, content)))
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    return seen


def document_text(name: str, content: str | bytes) -> str:
    """What a reader of a downloaded file can read in it: text as is; a PDF through pdftotext; a deck's
    every text frame, table cell and chart category and series name through python-pptx."""
    if isinstance(content, str):
        return content
    if name.endswith(".pdf"):
        import shutil
        import subprocess

        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext is missing: `./run tests` installs Debian's poppler-utils")
        return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    if name.endswith(".pptx"):
        import io

        from pptx import Presentation

        parts = []
        for slide in Presentation(io.BytesIO(content)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    parts.append(shape.text_frame.text)
                if shape.has_table:
                    parts += [cell.text for row in shape.table.rows for cell in row.cells]
                if shape.has_chart:
                    plot = shape.chart.plots[0]
                    parts += [str(c) for c in plot.categories] + [s.name for s in plot.series]
            parts.append(slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "")
        return "\n".join(parts)
    return content.decode("utf-8")
