"""Plain data: the only values that cross from student code to the judge."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest

from sandbox import plain

VALUES = [
    None, True, 0, -7, 2**70, 1.5, float("inf"), float("-inf"), "héllo ✓", "", [], (), {},
    [1, [2, (3, "x")]], (1,), {"a": [1, 2], "b": {"c": None}},
    np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros((0, 3), dtype=np.int64),
    np.array(True), np.array([1, 2], dtype=np.uint8), np.float32(1.5), np.int64(-3),
    np.bool_(False), np.arange(12).reshape(3, 4).T,
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_plain_values_cross_unchanged(value: object) -> None:
    back = plain.roundtrip(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray | np.generic):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value


def test_nan_crosses_as_nan() -> None:
    assert np.isnan(plain.roundtrip(float("nan")))


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True


class MyInt(int):
    def __eq__(self, other: object) -> bool:
        return True


class MyArray(np.ndarray):
    pass


@pytest.mark.parametrize("value", [
    AlwaysEqual(), MyInt(3), np.arange(3).view(MyArray), np.array([AlwaysEqual()]),
    np.array(["a"]), np.array([1 + 2j]), {1: "x"}, {1, 2}, b"bytes", print,
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
], ids=lambda v: type(v).__name__)
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(plain.NotPlainData):
        plain.encode(value)


def test_a_pickled_array_is_refused_on_decoding() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([AlwaysEqual()], dtype=object), allow_pickle=True)
    line = json.dumps({"array": base64.b64encode(buffer.getvalue()).decode()})
    with pytest.raises(plain.NotPlainData):
        plain.decode(line)


@pytest.mark.parametrize("line", ['{"tuple": [1], "x": 2}', '{"eval": "1"}', "not json",
                                  '{"array": "!!"}', '{"dict": [[1]]}', "[" * 100000])
def test_malformed_answers_are_refused(line: str) -> None:
    with pytest.raises(plain.NotPlainData):
        plain.decode(line)
