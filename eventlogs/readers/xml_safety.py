"""Check an XML file's prolog before any parser sees it: no DOCTYPE, no entities.

``check_prolog`` reads the bytes up to the root start tag and refuses a DOCTYPE
or ENTITY declaration (``UnsafeXmlError``; entities are never resolved), an
empty file, bytes that are not XML markup and a root other than ``log``
(``LogFormatError``). NULs are dropped before the scan, so UTF-16/32 markup is
still seen. The XES reader calls it, then parses with entities off as well.

Imports: standard library, eventlogs.errors.
"""

from __future__ import annotations

import io
import re
from typing import NoReturn

from eventlogs.errors import LogFormatError, UnsafeXmlError

_CHUNK = 64 * 1024
_PROLOG_LIMIT = 1024 * 1024
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # UTF-32 BOMs become UTF-16 ones without NULs
_SPACE = re.compile(rb"[ \t\r\n]*")
_START_TAG = re.compile(rb"<([A-Za-z_:\x80-\xff][-.\w:\x80-\xff]*)")
_UNSAFE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
UNSAFE_MESSAGE = (
    "XML declares a DOCTYPE/entities; Hyperpath never resolves entities, refusing the file. "
    "Export the log again without a DOCTYPE"
)


def check_prolog(stream: io.BufferedIOBase, file: str) -> None:
    """Read up to the root start tag: refuse DOCTYPE/ENTITY, empty files and non-XES roots."""
    head = b""
    while True:
        chunk = stream.read(_CHUNK)
        head += chunk
        final = not chunk or len(head) >= _PROLOG_LIMIT
        # NULs dropped: UTF-16/32 markup then reads as ASCII, so '<!DOCTYPE' is still seen.
        root = _scan_prolog(head.replace(b"\x00", b""), final=final, file=file)
        if root is not None:
            break
        if final:
            _refuse_prolog(head.replace(b"\x00", b""), file)
    if root.rpartition(":")[2] != "log":
        raise LogFormatError(f"not an XES log: root element is <{root}>", file=file)


def _scan_prolog(text: bytes, *, final: bool, file: str) -> str | None:
    """The root element's name, or None while the prolog has not ended (more bytes needed)."""
    pos = next((len(bom) for bom in _BOMS if text.startswith(bom)), 0)
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # '*' always matches
        if pos == len(text):
            return None
        if text.startswith(b"<?", pos) or text.startswith(b"<!--", pos):
            close = b"?>" if text.startswith(b"<?", pos) else b"-->"
            end = text.find(close, pos + 2)
            if end < 0:
                return None
            pos = end + len(close)
            continue
        if _UNSAFE.match(text, pos):
            raise UnsafeXmlError(UNSAFE_MESSAGE, file=file)
        tag = _START_TAG.match(text, pos)
        if tag and (tag.end() < len(text) or final):
            return tag.group(1).decode("utf-8", "replace")
        if len(text) - pos < 16 and not final:
            return None
        raise LogFormatError(
            "not an XML file: expected '<' markup before the root element "
            "(binary data or another format?)",
            file=file,
        )


def _refuse_prolog(text: bytes, file: str) -> NoReturn:
    if not text.strip(b" \t\r\n" + b"".join(_BOMS)):
        raise LogFormatError("file is empty", file=file)
    raise LogFormatError(
        "no XML root element found (the file is cut short or is not an XES log)", file=file
    )
