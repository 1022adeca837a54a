"""Pseudonymisation (keyed HMAC-SHA256) and dropping columns at load."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest

from eventlogs.errors import ConfigurationError, InputError
from eventlogs.load import LoadOptions, load_log
from eventlogs.privacy import load_pseudonym_key

KEY = b"a-test-key-of-32-bytes-long-1234"
LOG = (
    "case,activity,timestamp,resource,citizen_name,notes\n"
    "A-1,Apply,2022-01-01T10:00:00Z,alice,Jane Doe,called twice\n"
    "A-1,Decide,2022-01-02T10:00:00Z,bob,Jane Doe,\n"
    "A-2,Apply,2022-01-03T10:00:00Z,alice,John Roe,angry letter\n"
)


def _expected(value: str) -> str:
    return "ps_" + hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()[:20]


def _all_text(con: duckdb.DuckDBPyConnection) -> str:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    return " ".join(str(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)


def test_pseudonymise_and_drop(workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "permits.csv"
    path.write_text(LOG)
    options = LoadOptions(
        pseudonymise=("case", "resource", "citizen_name"), pseudonym_key=KEY, drop=("notes",)
    )
    result = load_log(workspace, path, options=options)
    assert workspace.execute("SELECT case_id FROM cases ORDER BY case_no").fetchall() == [
        (_expected("A-1"),),
        (_expected("A-2"),),
    ]
    assert workspace.execute(
        "SELECT DISTINCT resource FROM events ORDER BY 1"
    ).fetchall() == sorted([(_expected("alice"),), (_expected("bob"),)])
    did = result.dataset_id
    assert workspace.execute(
        f"SELECT DISTINCT citizen_name FROM event_attrs_{did} ORDER BY 1"
    ).fetchall() == sorted([(_expected("Jane Doe"),), (_expected("John Roe"),)])
    text = _all_text(workspace)
    for secret in ("alice", "Jane Doe", "John Roe", "angry letter", "A-1"):
        assert secret not in text
    assert result.counts.cases == 2 and result.counts.resources == 2


def test_same_key_same_pseudonym_across_loads(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "permits.csv"
    path.write_text(LOG)
    for name in ("first", "second"):
        load_log(
            workspace,
            path,
            options=LoadOptions(
                name=name, pseudonymise=("case",), pseudonym_key=KEY, allow_same_file=True
            ),
        )
    ids = workspace.execute(
        "SELECT dataset_id, list(case_id ORDER BY case_no) FROM cases GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert ids[0][1] == ids[1][1] == [_expected("A-1"), _expected("A-2")]


def test_no_key_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HYPERPATH_PSEUDONYM_KEY", raising=False)
    with pytest.raises(
        ConfigurationError, match="set HYPERPATH_PSEUDONYM_KEY or pass --pseudonym-key-file"
    ):
        load_pseudonym_key()
    monkeypatch.setenv("HYPERPATH_PSEUDONYM_KEY", "short")
    with pytest.raises(ConfigurationError, match="at least 16 bytes"):
        load_pseudonym_key()


def test_cannot_drop_a_mapped_column(workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "permits.csv"
    path.write_text(LOG)
    with pytest.raises(
        InputError, match="cannot --drop 'resource': it is the mapped resource column"
    ):
        load_log(workspace, path, options=LoadOptions(drop=("resource",)))
    assert workspace.execute("SELECT count(*) FROM datasets").fetchall() == [(0,)]
