"""Plain data: the only values that cross from student code to the code that judges it.

None, bools, ints, floats, strings, lists, tuples, string-keyed dicts and NumPy arrays or
scalars of bool, integer or float dtype. Encoded as one line of JSON, arrays in NumPy's
``.npy`` format without pickles, so decoding never runs code and never yields an object
whose ``__eq__`` or ``__array__`` the student wrote. Standard library and NumPy only: the
sandboxed worker imports this module too.
"""

from __future__ import annotations

import base64
import io
import json
import math
from typing import Any

import numpy as np

NUMERIC_KINDS = "biuf"
MAX_DEPTH = 32


class NotPlainData(Exception):
    """A value that may not cross the boundary (a Tensor, an object, an object array...).

    Deliberately not a TypeError: a test expecting the student's code to raise TypeError must
    not pass because the code returned something that is not plain data instead.
    """


def _encode(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NotPlainData(f"data nested deeper than {MAX_DEPTH} levels")
    # Exact types only: a subclass of int or str could carry methods the judge would call.
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is list:
        return [_encode(item, depth + 1) for item in value]
    if kind is tuple:
        return {"tuple": [_encode(item, depth + 1) for item in value]}
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise NotPlainData("dict keys must be strings")
        return {"dict": [[key, _encode(item, depth + 1)] for key, item in value.items()]}
    if kind is np.ndarray or (isinstance(value, np.generic) and type(value).__module__ == "numpy"):
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise NotPlainData(f"arrays must hold bools, ints or floats, not {array.dtype}")
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        tag = "array" if kind is np.ndarray else "scalar"
        return {tag: base64.b64encode(buffer.getvalue()).decode("ascii")}
    raise NotPlainData(
        f"{kind.__module__}.{kind.__qualname__} is not plain data: return numbers, strings, "
        "lists, tuples, dicts or NumPy arrays (for a Tensor t, return t.numpy())")


def dump(value: Any) -> Any:
    """``value`` as JSON-ready structures; :class:`NotPlainData` if it is not plain data."""
    return _encode(value, 0)


def encode(value: Any) -> str:
    """One line of JSON for ``value``; :class:`NotPlainData` if it is not plain data."""
    return json.dumps(dump(value), allow_nan=False, separators=(",", ":"))


def _array(text: str) -> np.ndarray:
    array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    if array.dtype.kind not in NUMERIC_KINDS:
        raise NotPlainData(f"array of dtype {array.dtype}")
    return array


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise NotPlainData("malformed plain data")
    (tag, content), = value.items()
    if tag == "tuple":
        return tuple(_decode(item) for item in content)
    if tag == "dict":
        return {str(key): _decode(item) for key, item in content}
    if tag == "float":
        return float(content)
    if tag == "array":
        return _array(content)
    if tag == "scalar":
        return _array(content)[()]
    raise NotPlainData(f"unknown tag {tag!r}")


def load(structure: Any) -> Any:
    """The value :func:`dump` made. Raises :class:`NotPlainData` for anything else."""
    try:
        return _decode(structure)
    except NotPlainData:
        raise
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise NotPlainData(f"malformed plain data ({type(error).__name__})") from None


def decode(line: str) -> Any:
    """The value :func:`encode` wrote. Raises :class:`NotPlainData` for anything else."""
    try:
        structure = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise NotPlainData(f"malformed plain data ({type(error).__name__})") from None
    return load(structure)


def roundtrip(value: Any) -> Any:
    """``value`` as the judge would receive it from the worker."""
    return decode(encode(value))
