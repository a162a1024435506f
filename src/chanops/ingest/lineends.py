"""Where the physical lines of a text extract end, and one way of ending them for DuckDB.

A line ends at CRLF, at LF or at a lone CR — Python's universal newlines, and what Hadoop's
line reader splits on, so the Spark loader numbers the same lines. Exports mix them: a
CRLF file with a line appended on Linux, an old Mac or Excel export ending every line in CR.
DuckDB's CSV reader holds one newline style per file: on a mixed file it stops with "state
machine reached an invalid state". So the count pass also says whether the file is uniform
(all LF, or all CRLF); one that is not is rewritten with LF ends in the streaming pass that
transcodes (text.py), and a CR-only file's lines are its CR-separated records.

A quoted field's own line break is normalized with the rest (a CR or CRLF inside a cell
becomes LF): the same content either way, as SPEC §2.1 asks of CRLF against LF.
"""

from __future__ import annotations

import gzip
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr

COUNT_CHUNK = 16 * 1024 * 1024
HASH_QUEUE = 2  # chunks read ahead of the digest


@dataclass(frozen=True)
class LineEnds:
    """A file's physical lines, and whether DuckDB can read them as they are."""

    lines: int
    uniform: bool  # every line ends in LF, or every one in CRLF


def scan_line_ends(path: Path, compression: str, digest=None) -> LineEnds:
    """Count physical lines (CRLF, LF or CR ends one; a last line without an end counts) in
    one streaming pass; with `digest` (a hashlib object) the same read feeds it the bytes.
    Byte counts suffice: CR and LF never occur inside a UTF-8 or GB18030 character.

    The digest runs on a thread of its own while this one counts (hashlib lets go of the GIL
    on large buffers): on a large extract the pass then takes as long as the slower of the
    two, not both. At most HASH_QUEUE chunks wait for it, so memory stays bounded."""
    opener = gzip.open if compression == "gzip" else open
    lf = cr = crlf = 0
    last = b"\n"
    pending: deque[Future] = deque()
    with opener(path, "rb") as fh, ThreadPoolExecutor(max_workers=1) as hasher:
        while chunk := fh.read(COUNT_CHUNK):
            if digest is not None:
                pending.append(hasher.submit(digest.update, chunk))  # one worker: in order
                if len(pending) > HASH_QUEUE:
                    pending.popleft().result()
            lf += chunk.count(b"\n")
            if b"\r" in chunk:  # most files have none: one memchr instead of two counts
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n")
            crlf += last == b"\r" and chunk[:1] == b"\n"
            last = chunk[-1:]
        for update in pending:
            update.result()
    ended = lf + cr - crlf  # a CRLF ends one line, not two
    return LineEnds(ended + (last not in (b"\n", b"\r")), uniform=cr == 0 or cr == crlf == lf)


def lf_ended(pieces: Iterable[AnyStr]) -> Iterator[AnyStr]:
    """The text (str or bytes pieces, streamed) with every CRLF and lone CR turned into LF. A
    CR at the end of a piece waits for the next one, which may begin with its LF."""
    held = None  # a CR that ended the previous piece, turned into LF
    for piece in pieces:
        cr, lf = _ends(piece)
        if held is not None:
            piece = piece[1:] if piece.startswith(lf) else piece  # the CR's LF: one line end
            yield held
        held = lf if piece.endswith(cr) else None
        if held is not None:
            piece = piece[:-1]
        yield piece.replace(cr + lf, lf).replace(cr, lf)
    if held is not None:
        yield held


def _ends(piece: AnyStr) -> tuple[AnyStr, AnyStr]:
    if isinstance(piece, str):
        return "\r", "\n"
    return b"\r", b"\n"
