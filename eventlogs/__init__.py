"""Event logs in, canonical DuckDB tables out: readers, mapping, workspace, quality.

The lowest layer: imports nothing from mining, opportunity or app.
"""
