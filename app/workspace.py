"""The app's access to its workspace, uploads and result cache.

* ``current_settings()``: the settings of the running app (kept in its Flask
  config by ``create_app``), also inside background-job processes, which are
  forked from the server.
* ``open_workspace(settings)``: a connection for one callback, closed after it.
  DuckDB lets one process write a file, or many read it; a background load holds
  the write lock, so readers wait (up to ``lock_wait_s``) instead of failing at
  once. In the server process connections are opened under a lock that fork
  also takes: a background job never starts as a copy of a process holding an
  open database.
* uploads: a dropped file is written under ``<cache>/uploads/<token>/`` and is
  named by its token afterwards; the browser never sees a server path.
* ``memoize``: results of heavy callbacks on disk, keyed by the workspace's
  version (it changes with every load or delete), the dataset, the filter and
  the parameters.

Imports: standard library, dash, diskcache, eventlogs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.settings import Settings
from eventlogs.errors import InputError, WorkspaceError

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")
SETTINGS_KEY = "HYPERPATH_SETTINGS"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")

# Held while the server process has a connection open, and by fork (see module docstring).
_SERVER_DB_LOCK = threading.RLock()
os.register_at_fork(
    before=_SERVER_DB_LOCK.acquire,
    after_in_parent=_SERVER_DB_LOCK.release,
    after_in_child=_SERVER_DB_LOCK.release,
)


def current_settings() -> Settings:
    """The settings of the app serving this callback."""
    import dash

    settings = dash.get_app().server.config.get(SETTINGS_KEY)
    if not isinstance(settings, Settings):
        raise WorkspaceError("the app has no settings; create it with app.server.create_app")
    return settings


@contextmanager
def open_workspace(
    settings: Settings, *, write: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the workspace for one piece of work, waiting while another process writes."""
    from eventlogs.engine import connect

    deadline = time.monotonic() + settings.lock_wait_s
    with _SERVER_DB_LOCK:
        while True:
            try:
                con = connect(settings.workspace, read_only=not write)
                break
            except WorkspaceError as exc:
                if not Path(settings.workspace).exists() or time.monotonic() > deadline:
                    raise WorkspaceError(
                        "the workspace is busy (another process, e.g. a load, is writing it); "
                        "try again when it has finished"
                    ) from exc
                time.sleep(0.25)
        try:
            yield con
        finally:
            con.close()


def workspace_version(settings: Settings) -> str:
    """Changes whenever the workspace file is written (a load, a delete)."""
    parts = [str(Path(settings.workspace).resolve())]
    for path in (Path(settings.workspace), Path(f"{settings.workspace}.wal")):
        if path.exists():
            stat = path.stat()
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
    return "|".join(parts)


def memoize(settings: Settings, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per (workspace version, key); the result is kept on disk."""
    import diskcache

    digest = hashlib.sha256(repr((workspace_version(settings), key)).encode()).hexdigest()
    with diskcache.Cache(str(settings.cache_path / "results")) as cache:
        found = cache.get(digest, default=_MISSING)
        if found is not _MISSING:
            return found
        value = compute()
        cache.set(digest, value, expire=7 * 24 * 3600)
        return value


_MISSING: Any = object()


def safe_file_name(name: str) -> str:
    """A file name from the browser, reduced to a harmless base name.

    >>> safe_file_name('../../etc/pass wd.csv'), safe_file_name('<x>.xes.gz')
    ('pass wd.csv', '_x_.xes.gz')
    """
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return base[:120] or "upload"


def save_upload(settings: Settings, file_name: str, contents: str) -> str:
    """Decode a dcc.Upload data URL, write it under the cache and return its token."""
    _, _, data = contents.partition(",")
    limit = settings.upload_limit_mb * 1024 * 1024
    if len(data) * 3 // 4 > limit:
        raise InputError(
            f"the file is larger than the upload limit of {settings.upload_limit_mb} MB",
            file=file_name,
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("the upload could not be decoded; try again", file=file_name) from exc
    token = uuid.uuid4().hex
    folder = settings.cache_path / "uploads" / token
    folder.mkdir(parents=True)
    (folder / safe_file_name(file_name)).write_bytes(raw)
    return token


def upload_path(settings: Settings, token: str) -> Path:
    """The file saved under ``token`` (tokens come from the browser: checked, never joined raw)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise InputError("unknown upload; drop the file again")
    folder = settings.cache_path / "uploads" / token
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    if not files:
        raise InputError("the uploaded file is gone; drop it again")
    return files[0]


def discard_upload(settings: Settings, token: str) -> None:
    """Remove an uploaded file once it is loaded or abandoned."""
    if isinstance(token, str) and _TOKEN.match(token):
        shutil.rmtree(settings.cache_path / "uploads" / token, ignore_errors=True)


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory database for work that must not touch the workspace (an upload preview)."""
    from eventlogs.engine import connect

    return connect(":memory:")
