"""The view in the URL: the chosen dataset and the global filter, so a view can be bookmarked.

The query string is ``dataset=<id>`` followed by ``LogFilter.to_query()``, e.g.
``?dataset=3&from=2012-01-01T00:00:00Z&where=channel=Desk&top_variants=5``.

Imports: standard library, mining.filters.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from mining.filters import LogFilter

DATASET_KEY = "dataset"


def parse_search(search: str | None) -> tuple[str | None, LogFilter]:
    """(dataset id or None, filter) from a URL query string; a bad filter raises InputError.

    >>> dataset, log_filter = parse_search("?dataset=3&top_variants=5")
    >>> dataset, log_filter.top_variants
    ('3', 5)
    >>> parse_search("") == (None, LogFilter())
    True
    """
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    datasets = [value for key, value in pairs if key == DATASET_KEY and value]
    rest = [(key, value) for key, value in pairs if key != DATASET_KEY]
    return (datasets[-1] if datasets else None), LogFilter.from_query(urlencode(rest))


def build_search(dataset: str | int | None, log_filter: LogFilter | None = None) -> str:
    """The query string (with '?', or '' for nothing) of a dataset and a filter.

    >>> build_search(3, LogFilter(top_variants=5))
    '?dataset=3&top_variants=5'
    """
    parts = [urlencode({DATASET_KEY: str(dataset)})] if dataset not in (None, "") else []
    query = (log_filter or LogFilter()).to_query()
    if query:
        parts.append(query)
    return "?" + "&".join(parts) if parts else ""
