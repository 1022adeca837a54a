"""Process mining over the canonical tables: process graphs, variants, metrics.

Imports: eventlogs (never opportunity or app).
"""
