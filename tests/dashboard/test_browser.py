"""The real app in headless chromium: started with the project's run command on a free port, every page
opened, its charts drawn, no error on screen, and a screenshot of each page kept in a temporary folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.browser import CHROMIUM, PAGES, serve, shoot, visit
from tests.dashboard.fixture import write_fixture

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `./run tests` installs Debian's chromium "
                    "(apt-get install chromium fonts-dejavu-core)")
    pytest.importorskip("playwright.sync_api")
    db, policy = write_fixture(tmp_path_factory.mktemp("browser"))
    with serve({"SLA_DB": str(db), "SLA_POLICY": str(policy), "SLA_LOG_DIR": str(db.parent)}) as url:
        yield url


def test_a_link_to_a_page_opens_that_page_with_the_view_it_names_even_as_the_servers_first_visit(app_url):
    # runs first on a fresh server: Streamlit would start pages/credits.py on its own (old multipage mode)
    found = visit(f"{app_url}/credits?contract=Globex+Inc&period=Feb+2026&period=Mar+2026")
    assert found["title"] == "Service credits"
    assert [n.strip().split("\n")[-1] for n in found["navigation"]] == [title for _, title, _ in PAGES]
    assert "Globex Inc · Feb 2026 to Mar 2026" in found["text"]  # the subtitle names the view
    assert "contract=Globex+Inc" in found["url"]


def test_every_page_draws_its_charts_without_an_error(app_url, tmp_path_factory):
    out = Path(os.environ.get("SLA_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots = shoot(app_url, out)
    print(f"\nscreenshots of every page: {out}")
    assert [s.title for s in shots] == [title for _, title, _ in PAGES]
    for shot, (_, _, least) in zip(shots, PAGES):
        assert shot.heading == shot.title or shot.title == "Overview", f"{shot.title}: landed on {shot.heading!r}"
        assert not shot.exceptions, f"{shot.title}: {shot.exceptions}"
        assert not shot.errors, f"{shot.title}: {shot.errors}"
        assert shot.charts >= least, f"{shot.title}: {shot.charts} charts drawn, expected {least} or more"
        assert shot.screenshot.stat().st_size > 10_000
    assert shots[0].heading == "Acme Corp: March 2026"
