"""Pseudonymisation at load: keyed hashes (HMAC-SHA256) of personal values.

The same key gives the same pseudonym across loads, so datasets loaded on
different days can still be joined; without the key the mapping cannot be
reversed or recomputed. The key comes from ``HYPERPATH_PSEUDONYM_KEY`` or a key
file; with neither, pseudonymisation is refused rather than done with a
guessable default.

Imports: duckdb, pyarrow, eventlogs.errors, eventlogs.engine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import duckdb

from eventlogs.engine import quote_identifier
from eventlogs.errors import ConfigurationError

KEY_ENV = "HYPERPATH_PSEUDONYM_KEY"
PSEUDONYM_HEX_CHARS = 20  # 80 bits: collisions negligible below ~10^10 distinct values


def load_pseudonym_key(key_file: str | os.PathLike[str] | None = None) -> bytes:
    """The pseudonymisation key: from ``key_file`` if given, else the environment.

    Refuses (ConfigurationError) when neither is set or the key is shorter than 16 bytes.
    """
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read pseudonymisation key file {key_file}: {exc}"
            ) from exc
    else:
        key = os.environ.get(KEY_ENV, "").encode()
    if not key:
        raise ConfigurationError(
            f"--pseudonymise needs a key: set {KEY_ENV} or pass --pseudonym-key-file FILE"
        )
    if len(key) < 16:
        raise ConfigurationError("the pseudonymisation key must be at least 16 bytes long")
    return key


def pseudonym(value: str, key: bytes) -> str:
    """The pseudonym of one value.

    >>> pseudonym('Alice', b'0123456789abcdef') == pseudonym('Alice', b'0123456789abcdef')
    True
    >>> len(pseudonym('Alice', b'0123456789abcdef'))
    23
    """
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return "ps_" + digest[:PSEUDONYM_HEX_CHARS]


def pseudonymise_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], key: bytes
) -> None:
    """Replace every non-null value of ``columns`` in ``table`` by its pseudonym, in place."""
    import pyarrow as pa

    q = quote_identifier(table)
    for column in columns:
        c = quote_identifier(column)
        values = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT CAST({c} AS VARCHAR) FROM {q} WHERE {c} IS NOT NULL"
            ).fetchall()
        ]
        mapping = pa.table({"v": values, "p": [pseudonym(v, key) for v in values]})
        con.register("_pseudonyms", mapping)
        con.execute(
            f"UPDATE {q} SET {c} = m.p FROM _pseudonyms m WHERE CAST({q}.{c} AS VARCHAR) = m.v"
        )
        con.unregister("_pseudonyms")
