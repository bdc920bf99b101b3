"""The dashboard: page tests (AppTest), the what-if page, and the browser test, on one small fixture."""
