"""Streamlit glue shared by the dashboard's pages: cached data, the shared sidebar, formatting, charts.

Dependencies point one way: ``pages -> ui -> slametrics``. Nothing here computes a figure; it asks
``slametrics`` and dresses the answer for the screen.
"""
