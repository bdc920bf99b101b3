"""The review as an editable 16:9 PowerPoint deck: native charts from the engine's numbers (the client can
restyle them), real tables, and the summary sentences as speaker notes.

The slide template is the project's own, made here (``template()``): python-pptx's default master is 4:3,
and widening the slide alone leaves every title placeholder at a 4:3 position; the template widens the
slide and moves each layout's placeholders to the 16:9 page.
"""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from slametrics import breaches, words
from slametrics.policy import CLOCK_METRICS
from slametrics.report import figures
from slametrics.report.model import RAG_WORDS, Review
from slametrics.settlement import explained

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
TITLE_TOP, TITLE_HEIGHT = Inches(0.35), Inches(0.8)
BODY_TOP = Inches(1.3)
INK = RGBColor(0x26, 0x32, 0x38)
MUTED = RGBColor(0x54, 0x6E, 0x7A)
RAG_COLOURS = {"green": RGBColor(0x2E, 0x7D, 0x32), "amber": RGBColor(0xF9, 0xA8, 0x25),
               "red": RGBColor(0xC6, 0x28, 0x28), "grey": RGBColor(0x9E, 0x9E, 0x9E)}
TITLE_ONLY = 5  # the layouts of python-pptx's default template
TITLE_SLIDE = 0


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def template() -> Presentation:
    """A 16:9 presentation whose layouts' placeholders sit where a 16:9 slide wants them."""
    deck = Presentation()
    old_width = deck.slide_width
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    scale = WIDTH / old_width
    for shapes in [deck.slide_master.placeholders] + [layout.placeholders for layout in deck.slide_layouts]:
        for shape in shapes:
            if shape.left is not None and shape.width is not None:
                shape.left, shape.width = Emu(int(shape.left * scale)), Emu(int(shape.width * scale))
    title_only = deck.slide_layouts[TITLE_ONLY]
    for shape in title_only.placeholders:
        if shape.placeholder_format.type is not None and shape.placeholder_format.idx == 0:
            shape.left, shape.top, shape.width, shape.height = MARGIN, TITLE_TOP, WIDTH - 2 * MARGIN, TITLE_HEIGHT
    return deck


class _Deck:
    def __init__(self, review: Review):
        self.r = review
        self.deck = template()
        self.accent = _rgb(review.settings.accent)

    def slide(self, title: str, notes: str = ""):
        slide = self.deck.slides.add_slide(self.deck.slide_layouts[TITLE_ONLY])
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = MARGIN, TITLE_TOP, WIDTH - 2 * MARGIN, TITLE_HEIGHT
        shape.text = title
        para = shape.text_frame.paragraphs[0]
        para.alignment = PP_ALIGN.LEFT
        para.runs[0].font.size = Pt(28)
        para.runs[0].font.bold = True
        para.runs[0].font.color.rgb = self.accent
        footer = f"{self.r.contract.name} · {words.month(self.r.period)} · as of {words.moment(self.r.as_of)}"
        if self.r.provisional:
            footer += " · provisional: some tickets are still open"
        self.text(slide, footer, MARGIN, HEIGHT - Inches(0.45), WIDTH - 2 * MARGIN, Inches(0.3), size=10, colour=MUTED)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide

    def text(self, slide, text: str, left, top, width, height, size: int = 14, bold: bool = False,
             colour: RGBColor = INK):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            run = para.add_run()
            run.text = line
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour
        return box

    def table(self, slide, header: list[str], rows: list[list[str]], left, top, width, row_height=Inches(0.3),
              size: int = 11, widths: list[float] | None = None, red: set[tuple[int, int]] = frozenset()):
        shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, row_height * (len(rows) + 1))
        table = shape.table
        if widths:
            for i, share in enumerate(widths):
                table.columns[i].width = Emu(int(width * share))
        for c, label in enumerate(header):
            self._cell(table.cell(0, c), label, size, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF), fill=self.accent,
                       right=c > 0)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                self._cell(table.cell(r, c), value, size, right=c > 0,
                           colour=RAG_COLOURS["red"] if (r - 1, c) in red else INK, bold=(r - 1, c) in red)
        return table

    @staticmethod
    def _cell(cell, value: str, size: int, bold: bool = False, colour: RGBColor = INK, fill: RGBColor | None = None,
              right: bool = False):
        cell.text = str(value)
        for i, para in enumerate(cell.text_frame.paragraphs):  # a second line (counts) is smaller, muted
            para.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
            for run in para.runs:
                run.font.size = Pt(size if i == 0 else max(size - 3, 8))
                run.font.bold = bold and i == 0
                run.font.color.rgb = colour if i == 0 else MUTED
        cell.margin_top = cell.margin_bottom = Inches(0.03)
        if fill is not None:
            cell.fill.solid()
            cell.fill.fore_color.rgb = fill
        else:
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)

    def chart(self, slide, kind, categories: list[str], series: dict[str, list], left, top, width, height,
              title: str, percent: tuple[float, float] | None = None, number_format: str = "#,##0",
              colours: list[RGBColor] | None = None, legend: bool = True):
        data = CategoryChartData()
        data.categories = categories
        for name, values in series.items():
            data.add_series(name, values)
        chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.bold = True
        chart.has_legend = legend and len(series) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
            chart.legend.font.size = Pt(11)
        if kind in (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.BAR_STACKED):
            chart.category_axis.reverse_order = True  # the first category at the top, as it reads
            # and the value axis stays at the bottom: it crosses the (reversed) category axis at its last
            # category; python-pptx sets crossings on value axes only, so the XML is written here
            value_axis = chart.value_axis._element
            value_axis.remove(value_axis.find(qn("c:crosses")))
            value_axis.find(qn("c:crossAx")).addnext(value_axis.makeelement(qn("c:crosses"), {"val": "max"}))
        axis = chart.value_axis
        axis.has_major_gridlines = True
        axis.tick_labels.font.size = Pt(11)
        chart.category_axis.tick_labels.font.size = Pt(11)
        if percent is not None:
            axis.minimum_scale, axis.maximum_scale = percent
            axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = "0%", False
        else:
            axis.minimum_scale = 0
            axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = number_format, False
        for i, plot_series in enumerate(chart.plots[0].series):
            colour = (colours or [self.accent, RGBColor(0x26, 0x32, 0x38), RGBColor(0x90, 0xCA, 0xF9)])[
                i % len(colours or [0, 1, 2])]
            if kind in (XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.LINE):
                plot_series.format.line.color.rgb = colour
                plot_series.smooth = False
            else:
                plot_series.format.fill.solid()
                plot_series.format.fill.fore_color.rgb = colour
        return chart


def render_pptx(r: Review) -> bytes:
    """The review as a 16:9 deck (bytes of a .pptx file)."""
    d = _Deck(r)
    full = WIDTH - 2 * MARGIN
    half = (full - Inches(0.4)) / 2
    notes = " ".join(r.sentences)

    cover = d.deck.slides.add_slide(d.deck.slide_layouts[TITLE_ONLY])
    band = cover.shapes.add_shape(1, 0, 0, Inches(0.35), HEIGHT)
    band.fill.solid()
    band.fill.fore_color.rgb = d.accent
    band.line.fill.background()
    title = cover.shapes.title
    title.left, title.top, title.width, title.height = Inches(1.0), Inches(2.3), WIDTH - Inches(2), Inches(1.2)
    title.text = r.contract.name
    title.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    title.text_frame.paragraphs[0].runs[0].font.size = Pt(44)
    title.text_frame.paragraphs[0].runs[0].font.bold = True
    title.text_frame.paragraphs[0].runs[0].font.color.rgb = d.accent
    d.text(cover, f"Service review, {words.month_long(r.period)}", Inches(1.0), Inches(3.5), WIDTH - Inches(2),
           Inches(0.6), size=24, colour=INK)
    d.text(cover, f"Prepared by {r.settings.provider} · data as of {words.moment(r.as_of)}"
           + ("\nProvisional: some tickets of the period are still open; marked figures can change."
              if r.provisional else ""), Inches(1.0), Inches(4.2), WIDTH - Inches(2), Inches(0.9), size=14, colour=MUTED)
    if r.settings.logo and r.settings.logo.suffix.lower() == ".png":
        cover.shapes.add_picture(str(r.settings.logo), Inches(1.0), Inches(1.0), height=Inches(0.9))
    cover.notes_slide.notes_text_frame.text = notes

    s = d.slide("1. Summary", notes)
    rows, red = [], set()
    for i, level in enumerate(r.summary):
        rows.append([level.title, words.percent(level.compliance), words.percent(level.objective), RAG_WORDS[level.rag],
                     f"{level.met:,} / {level.breached:,}" + (f" / {level.pending:,}" if level.pending else ""),
                     words.percent(level.previous) + (" (provisional)" if level.provisional else "")])
        if level.rag == "red":
            red.add((i, 3))
    table = d.table(s, ["Service level", words.month(r.period), "Objective", "Status", "Met / breached",
                        words.month(r.previous)], rows, MARGIN, BODY_TOP, full, size=14,
                    widths=[0.22, 0.14, 0.13, 0.17, 0.18, 0.16], red=red)
    for i, level in enumerate(r.summary):
        cell = table.cell(i + 1, 3)
        cell.fill.solid()
        cell.fill.fore_color.rgb = RAG_COLOURS[level.rag]
        for run in cell.text_frame.paragraphs[0].runs:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            run.font.bold = True
    top = BODY_TOP + Inches(0.35) * (len(rows) + 1) + Inches(0.3)
    owed = f"Service credits owed: {words.money(r.credit_total, r.currency)}"
    if r.previous_credit_total is not None:
        owed += f" ({words.month(r.previous)}: {words.money(r.previous_credit_total, r.currency)})"
    if r.bonus_total is not None:
        owed += f" · bonuses earned: {words.money(r.bonus_total, r.currency)}"
    d.text(s, owed + (" · provisional" if r.provisional else ""), MARGIN, top, full, Inches(0.5), size=18, bold=True)
    d.text(s, "\n".join(f"• {line}" for line in r.sentences), MARGIN, top + Inches(0.6), full, Inches(2.5), size=15)

    periods = r.months + ([r.period] if len(r.months) > 1 else [])
    for level in r.summary:
        s = d.slide(f"2. Service levels: {level.title}", notes)
        trend = r.trend.filter(r.trend["service_level"] == level.name)
        values = trend["compliance"].to_list()
        floor = figures.share_floor(values + [level.objective])
        d.chart(s, XL_CHART_TYPE.LINE_MARKERS, [words.month(p) for p in trend["period"].to_list()],
                {words.share_name("clock" if level.metric in CLOCK_METRICS else "ticket"): values,
                 f"Objective {words.percent(level.objective)}": [level.objective] * len(values)},
                MARGIN, BODY_TOP, half, Inches(5.3), f"The last four {figures._plural(r)}", percent=(floor, 1.0))
        rows_, red = [], set()
        by = r.level_rows.filter(r.level_rows["service_level"] == level.name)
        cells = {(x["priority"], x["period"]): x for x in by.iter_rows(named=True)}
        priorities = sorted(p for p in by["priority"].unique().to_list() if p != "all") + ["all"]
        for p in priorities:
            line = ["All priorities" if p == "all" else p]
            for j, period in enumerate(periods):
                cell = cells.get((p, period))
                line.append("–" if cell is None else f"{words.percent(cell['compliance'])}\n{cell['met']} of {cell['assessed']}")
                if cell is not None and cell["status"] == "misses":
                    red.add((len(rows_), j + 1))
            rows_.append(line)
        d.table(s, ["Priority", *[words.month(p) for p in periods]], rows_, MARGIN + half + Inches(0.4), BODY_TOP,
                half, row_height=Inches(0.55), size=12, red=red)
        d.text(s, f"Objective {words.percent(level.objective)}. Red: below it.", MARGIN + half + Inches(0.4),
               BODY_TOP + Inches(0.55) * (len(rows_) + 1) + Inches(0.15), half, Inches(0.4), size=11, colour=MUTED)

    s = d.slide("3. Volume and backlog", notes)
    d.chart(s, XL_CHART_TYPE.COLUMN_CLUSTERED, [words.month(p) for p in r.volume["period"].to_list()],
            {"Opened": r.volume["created"].to_list(), "Resolved": r.volume["resolved"].to_list()},
            MARGIN, BODY_TOP, half, Inches(5.3), "Tickets opened and resolved per month",
            colours=[RGBColor(0x90, 0xCA, 0xF9), d.accent])
    d.chart(s, XL_CHART_TYPE.BAR_CLUSTERED, r.backlog["band"].to_list(), {"Open tickets": r.backlog["tickets"].to_list()},
            MARGIN + half + Inches(0.4), BODY_TOP, half, Inches(4.6),
            f"Open at the end of {words.month(r.period)}, by age (calendar days)", colours=[RGBColor(0xEF, 0x6C, 0x00)])
    d.text(s, "Age in calendar days since each ticket was opened (wall-clock, not business time).",
           MARGIN + half + Inches(0.4), BODY_TOP + Inches(4.7), half, Inches(0.5), size=11, colour=MUTED)

    s = d.slide("3. Tickets by channel and category", notes)
    d.chart(s, XL_CHART_TYPE.BAR_CLUSTERED, [str(v) for v in r.by_channel["channel"].to_list()],
            {"Tickets": r.by_channel["tickets"].to_list()}, MARGIN, BODY_TOP, half, Inches(5.3), "By channel")
    top_categories = r.by_category.head(10)
    d.chart(s, XL_CHART_TYPE.BAR_CLUSTERED, [str(v) for v in top_categories["category"].to_list()],
            {"Tickets": top_categories["tickets"].to_list()}, MARGIN + half + Inches(0.4), BODY_TOP, half, Inches(5.3),
            "By category" + (f" (top 10 of {r.by_category.height})" if r.by_category.height > 10 else ""))

    s = d.slide("4. Breaches", notes)
    d.table(s, ["Service level", "Breached", "Assessed", "Share"],
            [[words.level(b["service_level"]), f"{b['breached']:,}", f"{b['assessed']:,}", words.percent(b["share"])]
             for b in r.breach_counts.iter_rows(named=True)], MARGIN, BODY_TOP, half, size=13)
    bands = [label for label, _ in breaches.OVERRUN_BANDS]
    over = {(x["priority"], x["band"]): x["breaches"] for x in r.overrun.iter_rows(named=True)}
    priorities = sorted(r.overrun["priority"].unique().to_list())
    if priorities:
        d.chart(s, XL_CHART_TYPE.COLUMN_STACKED, priorities,
                {band: [over.get((p, band), 0) for p in priorities] for band in bands},
                MARGIN + half + Inches(0.4), BODY_TOP, half, Inches(5.3), "How late: past target (business time)",
                colours=[RGBColor.from_string(c) for c in ("FFCDD2", "EF9A9A", "E57373", "E53935", "C62828", "8E0000")])

    s = d.slide("4. Where breaches happen", notes)
    for i, (frame, column, what) in enumerate(((r.pareto_category, "category", "By category"),
                                                (r.pareto_team, "team", "By team"))):
        if not frame.is_empty():
            d.chart(s, XL_CHART_TYPE.COLUMN_CLUSTERED, [str(v) for v in frame[column].to_list()],
                    {"Breaches": frame["breaches"].to_list()}, MARGIN + i * (half + Inches(0.4)), BODY_TOP, half,
                    Inches(5.3), what, colours=[RAG_COLOURS["red"]])

    s = d.slide("4. When breached tickets were opened", notes)
    s.shapes.add_picture(io.BytesIO(figures.png(figures.heatmap, r)), MARGIN, BODY_TOP, width=full)

    s = d.slide(f"4. The {min(r.worst.height, 15)} worst breaches", notes)
    worst = r.worst.head(15)
    d.table(s, ["Ticket", "Service level", "Priority", "Month", "Target", "Elapsed", "Past target", "Team", "Category"],
            [[w["ticket_id"], words.level(w["service_level"]), w["priority"], words.month(w["period"]),
              words.duration(w["target_seconds"]), words.duration(w["elapsed_seconds"]),
              words.duration(w["overrun_seconds"]), w["team"] or "–", w["category"] or "–"]
             for w in worst.iter_rows(named=True)], MARGIN, BODY_TOP, full, row_height=Inches(0.33), size=11,
            widths=[0.1, 0.11, 0.07, 0.09, 0.08, 0.1, 0.1, 0.15, 0.2])

    s = d.slide("5. Customer satisfaction", notes)
    rated = r.csat.filter(r.csat["rated"] > 0)
    if rated.is_empty():
        d.text(s, f"No ticket of {words.month(r.period)} carries a satisfaction rating.", MARGIN, BODY_TOP, full,
               Inches(0.6), size=16)
    else:
        d.chart(s, XL_CHART_TYPE.COLUMN_CLUSTERED, [words.month(p) for p in rated["period"].to_list()],
                {"Rated 4 or 5": rated["satisfied"].to_list()}, MARGIN, BODY_TOP, half, Inches(5.3),
                "Share of ratings 4 or 5", percent=(0.0, 1.0), colours=[RGBColor(0x00, 0x83, 0x8F)])
        d.table(s, ["Month", "Ratings", "Average (1-5)", "Rated 4 or 5"],
                [[words.month(c["period"]), f"{c['rated']:,}", "–" if c["csat"] is None else f"{c['csat']:.2f}",
                  words.percent(c["satisfied"])] for c in r.csat.iter_rows(named=True)],
                MARGIN + half + Inches(0.4), BODY_TOP, half, size=13)

    s = d.slide("6. Financials", notes)
    said = explained(r.statement_months, r.statement_levels)
    if r.statement_months.is_empty():
        d.text(s, "This contract carries no service credits.", MARGIN, BODY_TOP, full, Inches(0.6), size=16)
    else:
        rows = [[words.month(m["period"]), ", ".join(said[m["period"]][0]) or "–", words.percent(m["credit_rate"]),
                 words.money(m["credit_amount"], r.currency), "provisional" if m["provisional"] else "final",
                 "; ".join(said[m["period"]][1])] for m in r.statement_months.iter_rows(named=True)]
        rows.append([words.month(r.period), "", "", words.money(r.credit_total, r.currency),
                     "provisional" if r.provisional else "final", ""])
        wide = full * 0.6
        d.table(s, ["Month", "Owing", "Rate", "Credit", "Status", "Notes"], rows, MARGIN, BODY_TOP, wide, size=12,
                widths=[0.13, 0.2, 0.09, 0.14, 0.13, 0.31])
        d.chart(s, XL_CHART_TYPE.COLUMN_CLUSTERED, [words.month(p) for p in r.statement_months["period"].to_list()],
                {f"Credit ({r.currency})": [a or 0 for a in r.statement_months["credit_amount"].to_list()]},
                MARGIN + wide + Inches(0.3), BODY_TOP, full - wide - Inches(0.3), Inches(4.5), "Service credit per month",
                number_format="#,##0", colours=[RAG_COLOURS["red"]])
        fee = words.money(float(r.contract.monthly_fee), r.currency) if r.contract.monthly_fee else "–"
        d.text(s, f"Credits are billed monthly: each month's rate is its service levels' tiers added up and capped at "
                  f"{words.percent(float(r.contract.credit_cap))} of the monthly fee of {fee}; the period's credit "
                  "is the sum of its months.", MARGIN, BODY_TOP + Inches(0.4) * (len(rows) + 1) + Inches(0.3), wide,
               Inches(0.8), size=12, colour=MUTED)

    s = d.slide("7. Terms and definitions", notes)
    priorities = [c for c in r.targets.columns if c != "service_level"]
    share = 0.38 / max(len(priorities), 1)
    d.table(s, ["Service level", "Measures", *priorities, "Objective"],
            [[words.level(t["service_level"]), words.METRICS[r.contract.service_levels[t["service_level"]].metric].lower(),
              *[t[p] or "–" for p in priorities], words.percent(float(r.contract.service_levels[t["service_level"]].objective))]
             for t in r.targets.iter_rows(named=True)], MARGIN, BODY_TOP, half, size=11,
            widths=[0.21, 0.22, *[share] * len(priorities), 0.19])
    d.text(s, "\n".join(f"{topic}: {text}" for topic, text in r.terms), MARGIN + half + Inches(0.4), BODY_TOP, half,
           Inches(5.4), size=10)
    changed = "".join(f" The terms changed from {words.month_long(start)}" + (f" ({note})" if note else "") + "."
                      for start, note in r.amended)
    d.text(s, f"Figures as of {words.moment(r.as_of)}. {r.uncovered} tickets of this contract's clients have a "
              f"priority no service level targets; {r.rejected} rows were rejected at ingest.{changed}",
           MARGIN, BODY_TOP + Inches(0.45) * (len(r.targets) + 1) + Inches(0.6), half, Inches(1.2), size=12,
           colour=MUTED)

    out = io.BytesIO()
    d.deck.save(out)
    return out.getvalue()
