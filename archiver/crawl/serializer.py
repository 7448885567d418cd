"""The shared frontier's request codec: JSON, never pickle (scrapy-redis's ``SCHEDULER_SERIALIZER``).

scrapy-redis hands :func:`dumps` the dict of Scrapy's ``Request.to_dict``
(callbacks by name) and :func:`loads` what it reads back from Redis.  Whoever
can write to Redis can then queue requests, not run code: :func:`loads`
builds nothing but JSON values, bytes, tuples, datetimes and the archive's
own plain records (:data:`RECORDS`, by name), refuses any request class but
Scrapy's own and any callback name that is private, and raises
:class:`FrontierDataError` (a ValueError) for anything else, pickles
included.

JSON has no bytes, tuples, datetimes or non-string keys: those are written
as one-key objects whose key starts with ``$`` (``{"$bytes": BASE64}``); a
dict with such a key of its own, or any key that is not a string, is written
``{"$dict": [[key, value], ...]}``, so no value is read back as another.
A value of any other type (a set, an object) is refused at :func:`dumps`
with its meta key named.

Threads: the reactor thread (scrapy-redis's scheduler).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from datetime import datetime
from typing import Any

from archiver.formats.records import Previous
from archiver.formats.warc import RefersTo

# the plain records a queued request may carry in its meta (a re-check's archived capture)
RECORDS: dict[str, type] = {cls.__name__: cls for cls in (Previous, RefersTo)}
# Scrapy's request classes a queued request may be (Request.to_dict names any other in "_class")
REQUEST_CLASSES = frozenset({"scrapy.http.request.form.FormRequest", "scrapy.http.request.json_request.JsonRequest"})
MAX_DEPTH = 64  # nesting of a queued request's values: far past any meta we set, far below Python's recursion limit


class FrontierDataError(ValueError):
    """What the frontier holds (or would hold) is not a request of ours as data."""


def dumps(request: dict[str, Any]) -> bytes:
    """A request's dict (``Request.to_dict``) as JSON bytes."""
    return json.dumps(_encode(request, "request", 0), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> dict[str, Any]:
    """The request dict JSON bytes hold, for Scrapy's ``request_from_dict``; FrontierDataError if they do not hold one."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FrontierDataError(f"not JSON ({type(exc).__name__}), the start {bytes(data[:16])!r}") from None
    request = _decode(document, 0)
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        raise FrontierDataError("JSON that is not a request (no url)")
    if request.get("_class") is not None and request["_class"] not in REQUEST_CLASSES:
        raise FrontierDataError(f"a request class that is not Scrapy's ({str(request['_class'])[:100]!r})")
    for name in ("callback", "errback"):
        method = request.get(name)
        if method is not None and (not isinstance(method, str) or method.startswith("_")):
            raise FrontierDataError(f"a {name} that is not a public method name ({str(method)[:100]!r})")
    return request


def _encode(value: Any, where: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise FrontierDataError(f"{where} is nested deeper than {MAX_DEPTH}")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item, where, depth + 1) for item in value]}
    if isinstance(value, list):
        return [_encode(item, where, depth + 1) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _encode(item, f"{where}[{key!r}]", depth + 1) for key, item in value.items()}
        return {"$dict": [[_encode(key, where, depth + 1), _encode(item, f"{where}[{key!r}]", depth + 1)]
                          for key, item in value.items()]}
    if dataclasses.is_dataclass(value) and RECORDS.get(type(value).__name__) is type(value):
        fields = {field.name: _encode(getattr(value, field.name), where, depth + 1) for field in dataclasses.fields(value)}
        return {"$record": [type(value).__name__, fields]}
    raise FrontierDataError(f"{where} holds a {type(value).__name__}, which the frontier does not store "
                            "(JSON values, bytes, tuples, datetimes and archiver records only)")


def _decode(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise FrontierDataError(f"values nested deeper than {MAX_DEPTH}")
    if isinstance(value, list):
        return [_decode(item, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)).startswith("$"):
        (tag, inner), = value.items()
        return _tagged(tag, inner, depth)
    return {key: _decode(item, depth + 1) for key, item in value.items()}


def _tagged(tag: str, inner: Any, depth: int) -> Any:
    try:
        if tag == "$bytes":
            return base64.b64decode(inner, validate=True)
        if tag == "$datetime":
            return datetime.fromisoformat(inner)
        if tag == "$tuple":
            return tuple(_decode(inner, depth + 1))
        if tag == "$dict":
            return {_hashable(_decode(key, depth + 1)): _decode(item, depth + 1) for key, item in inner}
        if tag == "$record":
            name, fields = inner
            return RECORDS[name](**_decode(fields, depth + 1))
    except FrontierDataError:
        raise
    except (TypeError, ValueError, KeyError, binascii.Error) as exc:
        raise FrontierDataError(f"a malformed {tag} value ({type(exc).__name__}: {str(exc)[:100]})") from None
    raise FrontierDataError(f"an unknown tag {tag[:40]!r}")


def _hashable(key: Any) -> Any:
    if isinstance(key, (list, dict)):
        raise TypeError(f"a {type(key).__name__} as a key")
    return key
