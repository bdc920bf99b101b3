"""The quarterly review (``python -m slametrics report``), read back as its reader gets it: the deck with
python-pptx, the PDF with pdftotext, the HTML as text. Every figure must equal the command line's
``compliance --period quarter`` and ``credits --period quarter``.

On the dashboard fixture (tests/dashboard/fixture.py), Q1 2026 of Acme Corp, by hand:
- response: Jan 1, Feb 4, Mar 2 breaches of 20 each: 53 met, 7 breached of 60 = 88.3%, below the
  objective of 90% (red), though January and March met it;
- resolution: Feb 5 breaches, March 18 met and 2 still open: 53 met, 5 breached of 58 = 91.4% (pending 2:
  provisional), above 80% by 11 points (green);
- credits: February's EUR 1,200.00 (15% capped at 12% of 10,000) is the quarter's.
"""
from __future__ import annotations

import base64
import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from slametrics import words
from tests.dashboard.fixture import write_fixture

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runner import run_cli  # noqa: E402

pptx = pytest.importorskip("pptx")
AS_OF = "2026-04-01T00:00:00Z"
SECTIONS = ["1. Summary", "2. Service levels", "3. Volume and backlog", "4. Breaches", "5. Customer satisfaction",
            "6. Financials", "7. Terms and definitions"]


def check(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{result.args}: {result.stderr}"
    return result


def table(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    db, policy = write_fixture(folder)
    common = ["--db", str(db), "--policy", str(policy), "--as-of", AS_OF]
    for kind in ("pdf", "pptx", "html"):
        check(run_cli("report", *common, "--contract", "acme", "--period", "2026-Q1", "--out",
                      str(folder / f"review.{kind}"), cwd=folder))
    levels = table(check(run_cli("compliance", *common, "--period", "quarter", cwd=folder)).stdout)
    owed = table(check(run_cli("credits", *common, "--period", "quarter", cwd=folder)).stdout)
    monthly = table(check(run_cli("credits", *common, cwd=folder)).stdout)
    return folder, common, levels, owed, monthly


def quarter(rows: list[dict], contract: str, level: str, period: str = "2026-Q1") -> dict:
    (row,) = [r for r in rows if (r["period"], r["contract"], r["service_level"]) == (period, contract, level)]
    return row


def pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is missing: `./run tests` installs Debian's poppler-utils")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_command_lines_quarter_is_the_one_worked_out_by_hand(fixture):
    _, _, levels, owed, _ = fixture
    response, resolution = quarter(levels, "acme", "response"), quarter(levels, "acme", "resolution")
    assert (response["met"], response["breached"], response["compliance"], response["status"]) == (
        "53", "7", "0.883333", "misses")
    assert (resolution["met"], resolution["breached"], resolution["pending"], resolution["compliance"],
            resolution["status"], resolution["provisional"]) == ("53", "5", "2", "0.913793", "meets", "true")
    total = quarter(owed, "acme", "TOTAL")
    assert (total["credit_amount"], total["provisional"]) == ("1200.00", "true")


def test_the_decks_summary_and_charts_carry_the_command_lines_figures(fixture):
    folder, _, levels, owed, monthly = fixture
    deck = pptx.Presentation(str(folder / "review.pptx"))
    assert (deck.slide_width, deck.slide_height) == (pptx.util.Inches(13.333), pptx.util.Inches(7.5))  # 16:9
    slides = list(deck.slides)
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "Acme Corp" and titles[1] == "1. Summary"
    assert [t for t in titles if t.startswith("2. Service levels")] == ["2. Service levels: Response",
                                                                         "2. Service levels: Resolution"]
    assert all(any(t.startswith(section) for t in titles) for section in SECTIONS)
    # cover, summary, a slide per level, volume, channel and category, breaches, where, when, the worst,
    # satisfaction, financials, terms
    assert len(slides) == 11 + 2
    # the summary table: one row per level, the quarter's pooled share and its met / breached counts
    summary = next(shape.table for shape in slides[1].shapes if shape.has_table)
    rows = {summary.cell(i, 0).text: [summary.cell(i, j).text for j in range(1, 5)] for i in range(1, len(summary.rows))}
    for level in ("response", "resolution"):
        cli = quarter(levels, "acme", level)
        share, objective, status, counts = rows[words.level(level)]
        assert share == words.percent(float(cli["compliance"]))
        assert objective == words.percent(float(cli["objective"]))
        assert counts.startswith(f"{int(cli['met']):,} / {int(cli['breached']):,}")
    assert rows["Response"][2] == "Missed" and rows["Resolution"][2] == "On target"
    credit = quarter(owed, "acme", "TOTAL")["credit_amount"]
    summary_text = " ".join(shape.text_frame.text for shape in slides[1].shapes if shape.has_text_frame)
    assert f"Service credits owed: {words.money(float(credit), 'EUR')}" in summary_text
    # native charts, not pictures: the trend's last point is the quarter, the credits chart the months
    response_slide = slides[titles.index("2. Service levels: Response")]
    (trend,) = [shape.chart for shape in response_slide.shapes if shape.has_chart]
    within, objective_line = trend.plots[0].series
    assert within.values[-1] == pytest.approx(float(quarter(levels, "acme", "response")["compliance"]), abs=1e-6)
    assert set(objective_line.values) == {0.9}
    assert (trend.value_axis.minimum_scale, trend.value_axis.maximum_scale) == (0.8, 1.0)  # stated, not auto
    money_slide = slides[titles.index("6. Financials")]
    (bars,) = [shape.chart for shape in money_slide.shapes if shape.has_chart]
    months = {r["period"]: float(r["credit_amount"]) for r in monthly
              if r["contract"] == "acme" and r["service_level"] == "TOTAL"}
    assert list(bars.plots[0].series[0].values) == [months["2026-01"], months["2026-02"], months["2026-03"]]
    assert list(bars.plots[0].categories) == ["Jan 2026", "Feb 2026", "Mar 2026"]
    # the summary sentences are the speaker notes
    notes = slides[1].notes_slide.notes_text_frame.text
    assert "Response within target" in notes and "missed its objective in February" in notes


def test_the_pdf_shows_every_section_and_the_command_lines_figures_on_numbered_pages(fixture):
    folder, _, levels, owed, _ = fixture
    text = pdf_text(folder / "review.pdf")
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 8
    for section in SECTIONS:
        assert section in text, section
    assert "Appendix: every breach of Q1 2026" in text
    flat = " ".join(text.split())  # as read, whatever the line breaks of the layout
    for level in ("response", "resolution"):
        cli = quarter(levels, "acme", level)
        assert f"{words.percent(float(cli['compliance']))}" in text
        assert f"{cli['met']} met, {cli['breached']} breached" in flat
    assert words.money(float(quarter(owed, "acme", "TOTAL")["credit_amount"]), "EUR") in text
    assert re.search(r"Page 1 of \d+", pages[0]) and "Page 2 of" in pages[1]
    assert "Acme Corp · Q1 2026 · as of 1 Apr 2026, 00:00 UTC" in pages[1]  # the running header
    assert "Provisional" in text  # March still has open tickets
    assert "Globex" not in text


def test_the_html_is_self_contained_and_carries_every_breach_as_a_csv(fixture):
    folder, common, levels, _, _ = fixture
    page = (folder / "review.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?:""", page)  # nothing fetched at view time
    assert page.count("<svg") >= 8
    encoded = re.search(r'href="data:text/csv;base64,([^"]+)"', page).group(1)
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(encoded).decode("utf-8"))))
    clocks = table(check(run_cli("evaluate", *common, cwd=folder)).stdout)
    breached = sorted((c["ticket_id"], c["service_level"]) for c in clocks
                      if c["contract"] == "acme" and c["outcome"] == "breached" and c["period"].startswith("2026-0"))
    assert sorted((r["ticket_id"], r["service_level"]) for r in rows) == breached
    assert len(rows) == 7 + 5


def test_a_client_gets_its_own_contracts_report_and_is_refused_another(fixture, tmp_path):
    folder, common, _, _, _ = fixture
    access = ["--user", "acme", "--access", str(folder / "access.yaml")]
    refused = run_cli("report", *common, *access, "--contract", "globex", "--period", "2026-Q1", "--out",
                      str(tmp_path / "x.pdf"), cwd=folder)
    assert refused.returncode == 2 and "--contract: 'globex' is not among your contracts (acme)" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    unknown = run_cli("report", *common, *access, "--contract", "initech", "--period", "2026-Q1", "--out",
                      str(tmp_path / "x.pdf"), cwd=folder)  # said alike: a client learns nothing of what exists
    assert "--contract: 'initech' is not among your contracts (acme)" in unknown.stderr
    check(run_cli("report", *common, *access, "--contract", "acme", "--period", "2026-Q1", "--out",
                  str(tmp_path / "mine.html"), cwd=folder))
    assert "Globex" not in (tmp_path / "mine.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["--period", "Q1"], "--period: 'Q1' is not a period: write a quarter as 2026-Q3"),
    (["--period", "2026-Q1", "--contract", "initech"], "--contract: 'initech' is not a contract of the policy"),
    (["--format", "docx"], "--format: 'docx' is not a report format; allowed: pdf, pptx, html"),
])
def test_a_wrong_option_is_named_and_nothing_is_written(fixture, tmp_path, args, message):
    folder, common, _, _, _ = fixture
    base = {"--contract": "acme", "--period": "2026-Q1"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    result = run_cli("report", *common, *[x for kv in base.items() for x in kv], "--out", str(tmp_path / "r.pdf"),
                     cwd=folder)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_broken_settings_file_names_each_key_and_what_it_allows(fixture, tmp_path):
    folder, common, _, _, _ = fixture
    settings = tmp_path / "report.yaml"
    settings.write_text("provider: ''\naccent: blue\namber_margin: 2\nlogo: nowhere.png\ncolour: red\n", encoding="utf-8")
    result = run_cli("report", *common, "--contract", "acme", "--period", "2026-Q1", "--settings", str(settings),
                     "--out", str(tmp_path / "r.pdf"), cwd=folder)
    assert result.returncode == 2
    for expected in ("colour: unknown key", "provider: a name of 1 to 80 characters", "accent: a colour written #RRGGBB",
                     "amber_margin: a share from 0 to 1", "logo: 'nowhere.png' is not a PNG or SVG file"):
        assert expected in result.stderr, expected
    assert not (tmp_path / "r.pdf").exists()


def test_the_pdf_pages_and_the_slides_render_for_looking_at(fixture, tmp_path_factory):
    import os

    folder = fixture[0]
    out = Path(os.environ.get("SLA_SCREENSHOTS") or tmp_path_factory.mktemp("review")) / "review"
    out.mkdir(parents=True, exist_ok=True)
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is missing: `./run tests` installs Debian's poppler-utils")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(folder / "review.pdf"), str(out / "pdf")], check=True)
    pages = sorted(out.glob("pdf-*.png"))
    assert len(pages) >= 8 and all(p.stat().st_size > 5_000 for p in pages)
    if not shutil.which("soffice"):
        pytest.skip("soffice is missing: `./run tests` installs Debian's libreoffice-impress to render the deck")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(folder / "review.pptx")],
                   check=True, capture_output=True, timeout=240)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out / "review.pdf"), str(out / "slide")], check=True)
    slides = sorted(out.glob("slide-*.png"))
    assert len(slides) == len(pptx.Presentation(str(folder / "review.pptx")).slides)
    print(f"\nthe review's PDF pages and slides, for looking at: {out}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo database (as `./run demo` builds it), its Q3 2026 reviews, and the command line's figures."""
    folder = tmp_path_factory.mktemp("demo-review")
    db = folder / "sla.duckdb"
    from slametrics.demo import build_demo

    build_demo(db, Path(__file__).resolve().parents[1] / "config" / "policy.yaml")
    policy = str(Path(__file__).resolve().parents[1] / "config" / "policy.yaml")
    common = ["--db", str(db), "--policy", policy, "--as-of", "2026-11-01T00:00:00Z"]
    check(run_cli("report", *common, "--contract", "wattle", "--period", "2026-Q3", "--out", str(folder / "wattle.pdf"),
                  cwd=folder))
    for contract in ("acme", "hudson", "wattle"):
        for kind in ("pptx", "html"):
            check(run_cli("report", *common, "--contract", contract, "--period", "2026-Q3", "--out",
                          str(folder / f"{contract}.{kind}"), cwd=folder))
    levels = table(check(run_cli("compliance", *common, "--period", "quarter", cwd=folder)).stdout)
    owed = table(check(run_cli("credits", *common, "--period", "quarter", cwd=folder)).stdout)
    clocks = table(check(run_cli("evaluate", *common, cwd=folder)).stdout)
    return folder, common, levels, owed, clocks


@pytest.mark.parametrize("contract", ["acme", "hudson", "wattle"])
def test_each_demo_contracts_q3_deck_equals_the_command_line_over_four_quarters(demo, contract):
    folder, _, levels, owed, _ = demo
    deck = pptx.Presentation(str(folder / f"{contract}.pptx"))
    slides = list(deck.slides)
    titles = [s.shapes.title.text for s in slides]
    mine = {r["service_level"] for r in levels if r["contract"] == contract}
    assert {t.removeprefix("2. Service levels: ") for t in titles if t.startswith("2. Service")} == {
        words.level(level) for level in mine}
    summary = next(shape.table for shape in slides[1].shapes if shape.has_table)
    shown = {summary.cell(i, 0).text: summary.cell(i, 1).text for i in range(1, len(summary.rows))}
    for level in mine:
        # the four quarters up to Q3, of those the level has figures in (one added by an amendment has fewer)
        quarters = [q for q in ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
                    if any((r["period"], r["contract"], r["service_level"]) == (q, contract, level) for r in levels)]
        cli = quarter(levels, contract, level, "2026-Q3")
        assert shown[words.level(level)] == words.percent(float(cli["compliance"]))
        slide = slides[titles.index(f"2. Service levels: {words.level(level)}")]
        (trend,) = [shape.chart for shape in slide.shapes if shape.has_chart]
        assert list(trend.plots[0].categories) == [words.month(q) for q in quarters]
        expected = [float(quarter(levels, contract, level, q)["compliance"]) for q in quarters]
        assert list(trend.plots[0].series[0].values) == pytest.approx(expected, abs=1e-6)
    credit = float(quarter(owed, contract, "TOTAL", "2026-Q3")["credit_amount"])
    text = " ".join(shape.text_frame.text for shape in slides[1].shapes if shape.has_text_frame)
    currency = next(r["currency"] for r in owed if r["contract"] == contract)
    assert f"Service credits owed: {words.money(credit, currency)}" in text


@pytest.mark.parametrize("contract", ["acme", "hudson"])
def test_each_demo_reviews_csv_holds_every_breach_of_the_quarter(demo, contract):
    folder, _, _, _, clocks = demo
    page = (folder / f"{contract}.html").read_text(encoding="utf-8")
    encoded = re.search(r'href="data:text/csv;base64,([^"]+)"', page).group(1)
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(encoded).decode("utf-8"))))
    expected = sorted((c["ticket_id"], c["service_level"]) for c in clocks if c["contract"] == contract
                      and c["outcome"] == "breached" and c["period"] in ("2026-07", "2026-08", "2026-09"))
    assert len(expected) > 20  # more than the worst listed in the report itself
    assert sorted((r["ticket_id"], r["service_level"]) for r in rows) == expected


def test_a_demo_pdf_carries_the_command_lines_quarter_for_every_level_and_its_credit(demo):
    folder, _, levels, owed, _ = demo
    text = pdf_text(folder / "wattle.pdf")
    flat = " ".join(text.split())
    mine = [r for r in levels if r["contract"] == "wattle" and r["period"] == "2026-Q3"]
    assert mine
    for row in mine:
        assert f"{row['met']} met, {row['breached']} breached" in flat, row["service_level"]
        assert words.percent(float(row["compliance"])) in flat
    total = quarter(owed, "wattle", "TOTAL", "2026-Q3")
    assert words.money(float(total["credit_amount"]), "AUD") in flat
    assert "Wattle Energy" in text and "Acme" not in text and "Hudson" not in text


def test_the_branding_settings_put_the_providers_name_logo_and_colour_in_every_format(fixture, tmp_path):
    from PIL import Image

    folder, common, _, _, _ = fixture
    Image.new("RGB", (120, 40), "#00897b").save(tmp_path / "logo.png")
    settings = tmp_path / "report.yaml"
    settings.write_text('provider: Northwind Service Desk\nlogo: logo.png\naccent: "#00897b"\namber_margin: 0.15\n',
                        encoding="utf-8")
    for kind in ("html", "pptx"):
        check(run_cli("report", *common, "--contract", "acme", "--period", "2026-Q1", "--settings", str(settings),
                      "--out", str(tmp_path / f"r.{kind}"), cwd=folder))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "prepared by Northwind Service Desk" in page and "--accent: #00897b" in page
    assert '<img class="logo" src="data:image/png;base64,' in page
    # resolution met 80% with 91.4%: by 11.4 points, under a margin of 15 it is amber, not green
    assert re.search(r'card amber">\s*<div class="name">Resolution', page)
    deck = pptx.Presentation(str(tmp_path / "r.pptx"))
    cover = list(deck.slides)[0]
    assert any(shape.shape_type == 13 for shape in cover.shapes)  # the logo, a picture
    assert "Northwind Service Desk" in " ".join(s.text_frame.text for s in cover.shapes if s.has_text_frame)


def test_a_long_breach_list_is_cut_in_the_appendix_and_attached_whole_to_the_pdf(fixture, tmp_path, monkeypatch):
    import datetime as dt

    from slametrics.db import connect
    from slametrics.policy import load_policy
    from slametrics.report import build_review, document
    from slametrics.scope import EVERYTHING

    folder = fixture[0]
    if not shutil.which("pdfdetach"):
        pytest.skip("pdfdetach is missing: `./run tests` installs Debian's poppler-utils")
    con = connect(folder / "sla.duckdb", read_only=True)
    try:
        review = build_review(con, load_policy(folder / "policy.yaml"), "acme", "2026-Q1",
                              dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc), scope=EVERYTHING)
    finally:
        con.close()
    monkeypatch.setattr(document, "APPENDIX_ROWS", 5)
    (tmp_path / "r.pdf").write_bytes(document.render_pdf(review))
    text = " ".join(pdf_text(tmp_path / "r.pdf").split())
    assert "Appendix: the 5 worst of 12 breaches of Q1 2026" in text
    assert "The appendix lists the 5 worst of all 12 breaches; every one is attached to this PDF as " \
           "breaches-acme-2026-Q1.csv" in text
    listed = subprocess.run(["pdfdetach", "-list", str(tmp_path / "r.pdf")], capture_output=True, text=True).stdout
    assert "breaches-acme-2026-Q1.csv" in listed
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(tmp_path / "all.csv"), str(tmp_path / "r.pdf")], check=True)
    rows = list(csv.DictReader(open(tmp_path / "all.csv", encoding="utf-8")))
    assert sorted((r["ticket_id"], r["service_level"]) for r in rows) == sorted(
        review.all_breaches.select("ticket_id", "service_level").rows())
    assert len(rows) == 12


def test_a_contract_with_bonuses_shows_what_it_earned_beside_what_it_owes(demo):
    folder, _, _, owed, _ = demo
    earned = float(quarter(owed, "wattle", "TOTAL", "2026-Q3")["bonus_amount"])
    assert earned == 150.0  # July 2026: resolution 93.5%, at least 93%: 1% of AUD 15,000 (the command line's)
    page = (folder / "wattle.html").read_text(encoding="utf-8")
    assert re.search(r'<div class="name">Bonuses earned</div>\s*<div class="value">A\$150\.00</div>', page)
    deck = pptx.Presentation(str(folder / "wattle.pptx"))
    summary = " ".join(s.text_frame.text for s in list(deck.slides)[1].shapes if s.has_text_frame)
    assert "bonuses earned: A$150.00" in summary and "earned a bonus of A$150.00" in summary
