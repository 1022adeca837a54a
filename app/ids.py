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
