"""How errors reach the user: one handler, a readable alert, never a stack trace.

``handle_error`` is the app's global ``on_error``: a ``HyperpathError`` shows
its own message (it says what was expected, what was found and what to do);
anything else is a bug, logged with its traceback on the server and shown as
one line. Background jobs run in another process, where Dash keeps only the
text of an exception, so ``job`` wraps each background callback to call the
same handler there and stop the callback without an update.

Imports: standard library, dash, eventlogs.errors, app.ids.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from dash import set_props
from dash.exceptions import PreventUpdate

from app import ids
from eventlogs.errors import HyperpathError

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("hyperpath.app")


def error_message(error: BaseException) -> str:
    """What the user reads for an error.

    >>> from eventlogs.errors import LogFormatError
    >>> error_message(LogFormatError("binary file", file="x.bin"))
    'x.bin: binary file'
    >>> error_message(ZeroDivisionError("division by zero"))
    'Internal error (ZeroDivisionError: division by zero); the details are in the server log.'
    """
    if isinstance(error, HyperpathError):
        return str(error)
    return f"Internal error ({type(error).__name__}: {error}); the details are in the server log."


def handle_error(error: Exception) -> None:
    """The app's ``on_error``: show the error in the alert; outputs stay as they were."""
    if not isinstance(error, HyperpathError):
        log.error("callback failed", exc_info=error)
    set_props(ids.ERROR_ALERT, {"children": error_message(error), "is_open": True})


def job(function: F) -> F:
    """Wrap a background callback so its errors reach ``handle_error`` in the job process."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except PreventUpdate:
            raise
        except Exception as error:
            handle_error(error)
            raise PreventUpdate from error

    return run  # type: ignore[return-value]
