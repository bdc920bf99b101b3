"""A restarted server (docs/semantics.md §12): its first page starts from the clocks the last process kept
on disk beside the database, reads again only the tickets not settled, and shows what a full evaluation
shows, figure for figure, for the provider and for a client."""
from __future__ import annotations

from slametrics.stored import STORE, folder_of
from tests.dashboard.helpers import figures, open_page, table
from ui.data import clear_caches


def _shown(page: str, user: str) -> tuple:
    at = open_page(page, user=user)
    return ([(m.label, m.value) for m in at.metric], figures(at),
            table(at, "Ticket").to_dict("records") if page == "breaches" else None)


def test_a_restarted_server_starts_from_the_kept_clocks_and_shows_the_same_figures(writable_db):
    for user in ("pat", "acme"):
        clear_caches()
        before = STORE.evaluations["full"]
        first = {page: _shown(page, user) for page in ("overview", "breaches")}
        assert STORE.evaluations["full"] == before + 1  # no file yet: the first page evaluated in full
        STORE.flush()
        assert sorted(p.suffix for p in folder_of(str(writable_db)).iterdir()).count(".json") == (
            1 if user == "pat" else 2)  # one entry per scope: the provider's, then the client's
        clear_caches()  # the server restarts: nothing in memory, the files on disk
        loaded, full, refreshed = STORE.loaded, STORE.evaluations["full"], STORE.evaluations["refresh"]
        again = {page: _shown(page, user) for page in ("overview", "breaches")}
        assert (STORE.loaded, STORE.evaluations["full"], STORE.evaluations["refresh"]) == (loaded + 1, full,
                                                                                          refreshed + 1)
        assert again == first, user
        assert first["overview"][0] and first["breaches"][2], "the pages showed no figures to compare"
