"""The quarterly business review: one contract's period as a report to hand over (docs/report.md).

``build_review`` gathers the figures (``model``); ``render_html``, ``render_pdf`` and ``render_pptx``
lay the same figures out as a self-contained HTML page, an A4 landscape PDF and a 16:9 deck with
native charts.
"""
from slametrics.report.model import Review, build_review
from slametrics.report.settings import Settings, load_settings

__all__ = ["Review", "Settings", "build_review", "load_settings"]
