"""The fingerprint pass: line ends counted and bytes digested in one read, chunk by chunk,
the digest on a thread of its own."""

from __future__ import annotations

import hashlib

import pytest

from chanops.ingest import lineends
from chanops.ingest.readers import fingerprint


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1024])
def test_lines_and_digest_do_not_depend_on_where_chunks_end(tmp_path, monkeypatch, chunk):
    """b"a,b\r\nc,d\ne\rf,g\r\n\r\nlast": 4 CRs (after b, e, g and the empty line), 4 LFs
    (after b, d, g and the empty line), 3 of them CRLF pairs: 4 + 4 - 3 = 5 line ends, and
    "last" unended is a line too: 6. CRs not all in CRLF pairs: not uniform. With chunks of
    1, 2, 3 or 5 bytes some CRLF is split between two chunks (the CR ending one, the LF
    starting the next): still one line end. The digest is the whole file's."""
    data = b"a,b\r\nc,d\ne\rf,g\r\n\r\nlast"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    monkeypatch.setattr(lineends, "COUNT_CHUNK", chunk)
    digest, ends = fingerprint(path)
    assert ends == lineends.LineEnds(6, uniform=False)
    assert digest == "sha256:" + hashlib.sha256(data).hexdigest()


def test_a_file_with_no_cr_is_uniform_and_counted_by_its_lfs(tmp_path, monkeypatch):
    """Three LF-ended lines in chunks of 4 bytes (more chunks than the digest's queue holds):
    3 lines, uniform, the digest of all 12 bytes."""
    data = b"h,i\n1,2\n3,4\n"
    path = tmp_path / "lf.csv"
    path.write_bytes(data)
    monkeypatch.setattr(lineends, "COUNT_CHUNK", 4)
    digest, ends = fingerprint(path)
    assert ends == lineends.LineEnds(3, uniform=True)
    assert digest == "sha256:" + hashlib.sha256(data).hexdigest()
