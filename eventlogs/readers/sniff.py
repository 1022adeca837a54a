"""Tell what kind of file a log is, from its bytes rather than its name.

Recognises gzip (looking inside), XES/XML, xlsx (zip), Parquet and delimited
text; refuses empty and binary files with a clear message; detects the text
encoding of CSV/TSV files (utf-8, utf-8-sig, cp1252, latin-1).

Imports: standard library, eventlogs.errors.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from pathlib import Path

from eventlogs.errors import LogFormatError

_CHUNK = 16 * 1024 * 1024
_HEAD = 64 * 1024


def _read_head(path: Path, gz: bool) -> bytes:
    if not gz:
        with path.open("rb") as handle:
            return handle.read(_HEAD)
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(_HEAD)
    except (EOFError, OSError, zlib.error) as exc:
        raise LogFormatError(
            f"the .gz file is truncated or corrupt ({exc})", file=path.name
        ) from exc


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    sample = head[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return bool(sample) and controls / len(sample) > 0.01


def sniff_format(path: Path) -> tuple[str, bool]:
    """Return (format, gzipped) with format one of 'xes', 'csv', 'xlsx', 'parquet'.

    Raises LogFormatError for empty, binary or unrecognised files.
    """
    with path.open("rb") as handle:
        magic = handle.read(8)
    if not magic:
        raise LogFormatError("file is empty", file=path.name)
    if magic.startswith(b"PK\x03\x04"):
        return "xlsx", False
    if magic.startswith(b"PAR1"):
        return "parquet", False
    gz = magic.startswith(b"\x1f\x8b")
    head = _read_head(path, gz)
    if not head.strip():
        raise LogFormatError("file is empty", file=path.name)
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"<"):
        return "xes", gz
    if _looks_binary(head):
        raise LogFormatError(
            "binary file: not a CSV, TSV, XES, XLSX or Parquet event log", file=path.name
        )
    return "csv", gz


def detect_encoding(path: Path, *, gz: bool = False) -> str:
    """Detect a text file's encoding: 'utf-8', 'utf-8-sig', 'cp1252' or 'latin-1'.

    The whole file is checked (ASCII chunks are skipped cheaply): a single
    invalid UTF-8 byte at row nine million would otherwise become mojibake.
    """
    opener = gzip.open if gz else open
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    bom = False
    high_controls = False
    try:
        with opener(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                if first:
                    bom, first = chunk.startswith(codecs.BOM_UTF8), False
                if chunk.isascii() and not decoder.getstate()[0]:
                    continue
                high_controls = high_controls or any(0x80 <= b <= 0x9F for b in chunk)
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    return _single_byte(path, gz)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _single_byte(path, gz)
    except (EOFError, OSError, zlib.error) as exc:
        raise LogFormatError(
            f"the .gz file is truncated or corrupt ({exc})", file=path.name
        ) from exc
    return "utf-8-sig" if bom else "utf-8"


def _single_byte(path: Path, gz: bool) -> str:
    """cp1252 when every byte decodes under it (Windows exports), else latin-1."""
    opener = gzip.open if gz else open
    with opener(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError:
                return "latin-1"
    return "cp1252"


def transcode_to_utf8(path: Path, target: Path, *, encoding: str, gz: bool = False) -> None:
    """Copy a text file to ``target`` as UTF-8, streaming in chunks."""
    opener = gzip.open if gz else open
    with opener(path, "rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        reader = codecs.getreader(encoding)(src)
        while chunk := reader.read(_CHUNK):
            dst.write(chunk)
