"""Content digest and metadata edits of ONNX files, on the protobuf wire format.

No ``onnx`` package is needed: an ONNX file is a serialized ``ModelProto`` whose top-level
fields (``ir_version`` = 1, ``graph`` = 7, ``opset_import`` = 8, ``metadata_props`` = 14, ...)
are self-delimiting records (tag, then a varint, fixed-size or length-prefixed payload). Only
the top level is parsed; the graph (nodes and initializers, i.e. the weights) is one record.

Digest scheme (``DIGEST_KEY`` entry of ``metadata_props``, value ``"blake2b-256:<hex>"``):
BLAKE2b-256, personalised with :data:`_PERSON`, of the concatenated bytes of every top-level
record except ``metadata_props`` entries whose key is :data:`DIGEST_KEY`, records taken in
increasing field number (records of one field keep their file order). It therefore covers the
weights, the graph and every other metadata entry (grid, bounds: a flipped digit there would
mis-grid quotes as surely as a flipped weight). The order rule makes the digest independent of
where the digest entry sits and unchanged by a protobuf re-serialization of the same model
(``onnx.load`` / ``onnx.save``), which writes fields in increasing number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["DIGEST_KEY", "Record", "records", "content_digest", "stored_digests",
           "with_digest", "with_metadata"]

#: ``metadata_props`` key of the content digest.
DIGEST_KEY = "digest"
_SCHEME = "blake2b-256"
_PERSON = b"levyfast-onnx/1"
_METADATA_FIELD = 14  # ModelProto.metadata_props (repeated StringStringEntryProto)
_LEN = 2  # wire type of length-delimited fields


class Record(NamedTuple):
    """One field of a protobuf message: number, wire type, and byte offsets of the whole
    record (``start:end``, tag included) and of its payload (``data:end``)."""

    field: int
    wire: int
    start: int
    data: int
    end: int


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError(f"truncated or overlong varint at byte {pos}")
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7


def records(buf: bytes, start: int = 0, end: int | None = None) -> list[Record]:
    """The fields of the message ``buf[start:end]`` in file order; ``ValueError`` if it is
    not well-formed protobuf (groups, wire types 3/4, are not used by ONNX and rejected)."""
    end = len(buf) if end is None else end
    out: list[Record] = []
    pos = start
    while pos < end:
        tag, data = _varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if field == 0:
            raise ValueError(f"field number 0 at byte {pos}")
        if wire == 0:
            _, stop = _varint(buf, data)
        elif wire == 1:
            stop = data + 8
        elif wire == _LEN:
            length, data = _varint(buf, data)
            stop = data + length
        elif wire == 5:
            stop = data + 4
        else:
            raise ValueError(f"unsupported wire type {wire} at byte {pos}")
        if stop > end:
            raise ValueError(f"field {field} at byte {pos} runs past the end of its message")
        out.append(Record(field, wire, pos, data, stop))
        pos = stop
    return out


def _entry(buf: bytes, rec: Record) -> tuple[str, str]:
    """(key, value) of a StringStringEntryProto record."""
    key = value = b""
    for sub in records(buf, rec.data, rec.end):
        if sub.wire == _LEN and sub.field == 1:
            key = buf[sub.data:sub.end]
        elif sub.wire == _LEN and sub.field == 2:
            value = buf[sub.data:sub.end]
    return key.decode("utf-8", "replace"), value.decode("utf-8", "replace")


def _key(buf: bytes, rec: Record) -> str | None:
    """The metadata key of a top-level record, or None if it is not a metadata entry."""
    if rec.field != _METADATA_FIELD or rec.wire != _LEN:
        return None
    return _entry(buf, rec)[0]


def _content(buf: bytes, drop: frozenset[str] = frozenset()) -> list[Record]:
    """Top-level records except digest entries and entries keyed in ``drop``, in canonical
    (increasing field number, then file) order."""
    skip = drop | {DIGEST_KEY}
    kept = [r for r in records(buf) if _key(buf, r) not in skip]
    return sorted(kept, key=lambda r: r.field)  # stable: one field keeps its file order


def _hash(buf: bytes, recs: list[Record]) -> str:
    h = hashlib.blake2b(digest_size=32, person=_PERSON)
    for r in recs:
        h.update(buf[r.start:r.end])
    return f"{_SCHEME}:{h.hexdigest()}"


def content_digest(buf: bytes) -> str:
    """The digest of a serialized ONNX model (see the module docstring)."""
    return _hash(buf, _content(buf))


def stored_digests(buf: bytes) -> list[str]:
    """Values of the digest entries of ``metadata_props`` (normally zero or one)."""
    return [_entry(buf, r)[1] for r in records(buf) if _key(buf, r) == DIGEST_KEY]


def _encode_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _len_field(field: int, payload: bytes) -> bytes:
    return _encode_varint(field << 3 | _LEN) + _encode_varint(len(payload)) + payload


def _entry_record(key: str, value: str) -> bytes:
    payload = _len_field(1, key.encode()) + _len_field(2, value.encode())
    return _len_field(_METADATA_FIELD, payload)


def _assemble(buf: bytes, recs: list[Record], entries: Mapping[str, str]) -> bytes:
    """``recs`` (canonical order) with ``entries`` and a fresh digest inserted after the last
    metadata record: the canonical serialization of the edited model."""
    parts = [buf[r.start:r.end] for r in recs]
    extra = [_entry_record(k, v) for k, v in entries.items()]
    at = sum(1 for r in recs if r.field <= _METADATA_FIELD)
    body = b"".join(parts[:at] + extra + parts[at:])
    digest = content_digest(body)
    return b"".join(parts[:at] + extra + [_entry_record(DIGEST_KEY, digest)] + parts[at:])


def with_digest(buf: bytes) -> bytes:
    """``buf`` with its digest entry (re)computed; every other byte of a canonically
    serialized model is kept, so the weights and graph are untouched."""
    return _assemble(buf, _content(buf), {})


def with_metadata(buf: bytes, entries: Mapping[str, str]) -> bytes:
    """``buf`` with the ``metadata_props`` ``entries`` set (replacing entries of the same key)
    and the digest recomputed."""
    if DIGEST_KEY in entries:
        raise ValueError(f"`entries` must not set {DIGEST_KEY!r}: it is computed")
    return _assemble(buf, _content(buf, frozenset(entries)), entries)
