"""The exception tree of Hyperpath.

Every error the library raises on purpose is a ``HyperpathError``; each subclass
also inherits the builtin it refines, so callers that catch ``ValueError`` or
``KeyError`` keep working. Messages say what was expected, what was found and
what to do. The CLI and the app translate these once, at their edge.

Imports: standard library only (lowest layer).
"""

from __future__ import annotations


class HyperpathError(Exception):
    """Base class for every error Hyperpath raises on purpose."""

    def __init__(
        self, message: str, *, file: str | None = None, position: str | None = None
    ) -> None:
        self.file = file
        self.position = position
        where = ""
        if file:
            where = f"{file}: " if not position else f"{file}, {position}: "
        super().__init__(f"{where}{message}")
        self.message = message

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class InputError(HyperpathError, ValueError):
    """The input (a file, a flag, a value) was refused; exit code 2 at the CLI."""


class LogFormatError(InputError):
    """A file is not a readable event log: empty, binary, truncated, malformed."""


class UnsafeXmlError(LogFormatError):
    """An XML file declares a DOCTYPE or entities, which are never resolved."""


class MissingColumnError(InputError, KeyError):
    """A required column (case, activity, timestamp) was not found or not usable."""


class AmbiguousTimestampError(InputError):
    """Dates could be day-first or month-first; the user must say which."""


class DuplicateFileError(InputError):
    """The file's sha256 is already loaded in the workspace."""


class DatasetNotFoundError(InputError, KeyError):
    """No dataset with that id or name is in the workspace."""


class ConfigurationError(InputError):
    """A setting is missing or invalid (e.g. no pseudonymisation key)."""


class WorkspaceError(HyperpathError, RuntimeError):
    """The workspace file cannot be opened or is locked by another process."""
