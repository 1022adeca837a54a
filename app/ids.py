"""Component ids of the app, in one place so layouts, callbacks and tests agree.

Ids shared by every page come first, then one block per page. Pattern-matching
ids are dicts built by the functions at the end.

Imports: nothing.
"""

from __future__ import annotations

# The shell: location, alerts, the filter bar.
URL = "_pages_location"  # the location inside dash.page_container
ERROR_ALERT = "error-alert"
NOTICE_ALERT = "notice-alert"
FILTER_DATASET = "filter-dataset"
FILTER_FROM = "filter-from"
FILTER_TO = "filter-to"
FILTER_WHERE = "filter-where"
FILTER_TOP_VARIANTS = "filter-top-variants"
FILTER_APPLY = "filter-apply"
FILTER_RESET = "filter-reset"
FILTER_SUMMARY = "filter-summary"
DATASETS_CHANGED = "datasets-changed"  # Store: bumped after a load or delete

# Datasets page.
UPLOAD = "upload"
UPLOAD_STATUS = "upload-status"
UPLOAD_STORE = "upload-store"  # {"token": ..., "file": ...} of the file awaiting load
PREVIEW = "preview"
MAPPING_PREFIX = "mapping-"  # + role: one dropdown per canonical role
DATASET_NAME = "dataset-name"
DAYFIRST = "dayfirst"
LOAD_BUTTON = "load-button"
CANCEL_LOAD = "cancel-load"
LOAD_PROGRESS = "load-progress"
LOAD_STAGE = "load-stage"
LOAD_RESULT = "load-result"
DATASET_TABLE = "dataset-table"
QUALITY = "quality"
QUARANTINE_DOWNLOAD = "quarantine-download"

# Process map page.
MAP_COLOR_BY = "map-color-by"
MAP_ACTIVITIES = "map-activities"
MAP_PATHS = "map-paths"
MAP_GRAPH = "map-graph"
MAP_SUMMARY = "map-summary"
MAP_DETAIL = "map-detail"
MAP_PROGRESS = "map-progress"
MAP_CANCEL = "map-cancel"
DOWNLOAD_SVG = "download-svg"
DOWNLOAD_CSV = "download-csv"
DOWNLOAD_BPMN = "download-bpmn"
MAP_DOWNLOAD = "map-download"

# Variants page.
PARETO = "pareto"
VARIANT_LIST = "variant-list"
VARIANT_CASES = "variant-cases"
VARIANTS_PROGRESS = "variants-progress"


def mapping_id(role: str) -> str:
    """The id of the mapping dropdown of a role ('case', 'timestamp', ...)."""
    return MAPPING_PREFIX + role.replace("_", "-")


def dataset_action(action: str, dataset_id: int) -> dict[str, object]:
    """A per-dataset button: action is 'quality', 'quarantine' or 'delete'."""
    return {"type": f"dataset-{action}", "index": dataset_id}


def variant_row(variant_no: int) -> dict[str, object]:
    """The button that opens a variant's cases."""
    return {"type": "variant-row", "index": variant_no}


# Bottlenecks page.
BN_BASIS = "bn-basis"  # calendar or working time
BN_FREQ = "bn-freq"  # trend per week or month
BN_SUMMARY = "bn-summary"
BN_FINDINGS = "bn-findings"
BN_TABLE = "bn-table"
BN_BARS = "bn-bars"
BN_TREND = "bn-trend"
BN_PROGRESS = "bn-progress"
BN_FINDINGS_PROGRESS = "bn-findings-progress"
BN_TREND_PROGRESS = "bn-trend-progress"
BN_DOWNLOAD_CSV = "bn-download-csv"
BN_DOWNLOAD = "bn-download"

# Backlog page.
BACKLOG_FREQ = "backlog-freq"  # D, W or M
BACKLOG_SUMMARY = "backlog-summary"
BACKLOG_CHART = "backlog-chart"
BACKLOG_AGES = "backlog-ages"
BACKLOG_LAW = "backlog-law"
BACKLOG_OPEN = "backlog-open"
BACKLOG_QUEUES = "backlog-queues"
BACKLOG_PROGRESS = "backlog-progress"
BACKLOG_QUEUES_PROGRESS = "backlog-queues-progress"


# Opportunities, Business case and Roadmap pages.
ASSUMPTIONS_STORE = "assumptions-store"  # session Store: the Business case overrides (small JSON)
OPP_PROGRESS = "opp-progress"
OPP_STAGE = "opp-stage"
OPP_SUMMARY = "opp-summary"
OPP_GRID = "opp-grid"
OPP_QUADRANT = "opp-quadrant"
OPP_DETAIL = "opp-detail"
BC_PROGRESS = "bc-progress"
BC_STAGE = "bc-stage"
BC_RESET = "bc-reset"
BC_HEADLINE = "bc-headline"
BC_NPV = "bc-npv"
BC_CASHFLOW = "bc-cashflow"
BC_BACKLOG = "bc-backlog"
BC_WHATIF = "bc-whatif"
RM_PROGRESS = "roadmap-progress"
RM_STAGE = "roadmap-stage"
RM_GANTT = "roadmap-gantt"
RM_WAVES = "roadmap-waves"
RM_XLSX = "download-xlsx"
RM_PDF = "download-pdf"
RM_DOWNLOAD = "roadmap-download"


def opportunity_row(index: int) -> dict[str, object]:
    """The button of a row of the opportunity grid (index 0 = the top candidate)."""
    return {"type": "opportunity-row", "index": index}


def assumption_field(name: str) -> dict[str, object]:
    """The input of one assumption on the Business case page ('discount_rate', 'build_cost_gbp.high')."""
    return {"type": "assumption", "index": name}
