"""The app's settings: one frozen dataclass, every field with a default and help text.

Precedence, highest first: a command-line flag, the environment
(``HYPERPATH_<FIELD>`` in upper case, e.g. ``HYPERPATH_PORT``), the ``[app]``
table of a TOML file (``--config FILE``, else ``$HYPERPATH_CONFIG``, else
``./hyperpath.toml`` when it exists), then the default. docs/app.md lists every
setting; a test checks that it does.

Imports: standard library, eventlogs.errors.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from eventlogs.errors import ConfigurationError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
ENV_PREFIX = "HYPERPATH_"
DEFAULT_CONFIG = "hyperpath.toml"


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the web app needs to know; see docs/app.md."""

    workspace: str = field(
        default="hyperpath.duckdb",
        metadata=_help("workspace DuckDB file the app reads and loads into"),
    )
    host: str = field(
        default="127.0.0.1",
        metadata=_help("address to listen on; anything but localhost needs a password"),
    )
    port: int = field(default=8050, metadata=_help("TCP port to listen on"))
    password: str | None = field(
        default=None,
        metadata=_help("password for HTTP basic auth (any user name); required beyond localhost"),
    )
    upload_limit_mb: int = field(
        default=200, metadata=_help("largest log file accepted by upload, in megabytes")
    )
    cache_dir: str | None = field(
        default=None,
        metadata=_help(
            "directory for cached results and background jobs (default: <workspace>.cache)"
        ),
    )
    lock_wait_s: float = field(
        default=60.0,
        metadata=_help("how long a page waits for the workspace while another process writes it"),
    )
    source_url: str = field(
        default="/source.tar.gz",
        metadata=_help("where the footer's source-code link points (AGPL: offer the source)"),
    )

    @property
    def is_local(self) -> bool:
        """True when the app only listens on the loopback interface."""
        return self.host in LOCAL_HOSTS

    @property
    def cache_path(self) -> Path:
        """The cache directory (made absolute, not created)."""
        return Path(self.cache_dir or f"{self.workspace}.cache").resolve()

    def check(self) -> Settings:
        """Refuse settings that cannot work; return self."""
        if not self.is_local and not self.password:
            raise ConfigurationError(
                f"serving on {self.host} exposes the app beyond this machine; "
                "set HYPERPATH_PASSWORD (basic auth) or serve on 127.0.0.1"
            )
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"port must be in 1..65535, found {self.port}")
        if self.upload_limit_mb <= 0:
            raise ConfigurationError(f"upload_limit_mb must be > 0, found {self.upload_limit_mb}")
        return self


def setting_help() -> dict[str, str]:
    """Field name -> help text, for docs and ``--help``."""
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def env_name(name: str) -> str:
    """The environment variable of a setting: 'upload_limit_mb' -> 'HYPERPATH_UPLOAD_LIMIT_MB'."""
    return ENV_PREFIX + name.upper()


def _coerce(name: str, value: object) -> object:
    """A raw value (text from the environment, TOML value, flag) as the field's type."""
    kind = {f.name: str(f.type) for f in fields(Settings)}[name]
    if value is None or (value == "" and "None" in kind):
        return None
    try:
        if kind.startswith("int"):
            return int(str(value))
        if kind.startswith("float"):
            return float(str(value))
    except ValueError as exc:
        raise ConfigurationError(f"setting {name} must be a number, found {value!r}") from exc
    return str(value)


def _toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read settings file {path}: {exc}") from exc
    table = data.get("app", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [app] must be a table")
    return table


def load_settings(
    flags: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> Settings:
    """Settings from flags > environment > TOML file > defaults (flags set to None are ignored).

    >>> load_settings({"port": 9000}, environ={"HYPERPATH_PORT": "8000"}).port
    9000
    >>> load_settings(environ={"HYPERPATH_UPLOAD_LIMIT_MB": "5"}).upload_limit_mb
    5
    """
    env = os.environ if environ is None else environ
    chosen = config_file or env.get(ENV_PREFIX + "CONFIG")
    path = (
        Path(chosen)
        if chosen
        else (Path(DEFAULT_CONFIG) if Path(DEFAULT_CONFIG).is_file() else None)
    )
    known = {f.name for f in fields(Settings)}
    from_file = _toml(path)
    unknown = sorted(set(from_file) - known)
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown settings {unknown}; settings are: {', '.join(sorted(known))}"
        )
    values: dict[str, Any] = dict(from_file)
    values.update({n: env[env_name(n)] for n in known if env_name(n) in env})
    values.update({k: v for k, v in (flags or {}).items() if v is not None and k in known})
    coerced: dict[str, Any] = {k: _coerce(k, v) for k, v in values.items()}
    return replace(Settings(), **coerced)
