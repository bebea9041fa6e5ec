"""compare: structure problems get specific messages; values use the tolerance; no leaks."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import compare


def test_exact_match_and_tolerance():
    want = np.array([1.0, 2.0, 3.0])
    assert compare(want.copy(), want, "f").passed
    assert compare(want + 1e-9, want, "f", rtol=1e-6).passed
    assert not compare(want + 1e-3, want, "f", rtol=1e-6).passed
    assert compare(np.array([1, 2, 3]), want, "f").passed  # an int array is a fine float answer


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (np.zeros((1, 50)), "compose returned shape (1, 50); expected (50,)"),
        (np.zeros((50, 1)), "compose returned shape (50, 1); expected (50,)"),
        ([0.0] * 50, "compose returned a list of 50 items; expected a numpy array of shape (50,)"),
        (np.zeros(50, dtype=complex), "compose returned dtype complex128; expected a float array"),
        (None, "compose returned None; expected a numpy array of shape (50,)"),
    ],
)
def test_structure_messages(got, message):
    assert compare(got, np.zeros(50), "compose").message == message


def test_nan_and_wrong_values_are_counted_without_revealing_expected():
    want = np.arange(10.0) + 0.123456
    got = want.copy()
    got[[2, 5]] = np.nan
    assert compare(got, want, "f").message == "f returned NaN at 2 of 10 entries"
    got = want.copy()
    got[:3] += 0.5
    msg = compare(got, want, "f").message
    assert msg == "f returned wrong values at 3 of 10 entries (largest error 0.5)"
    assert "0.123" not in msg


def test_nested_tuples_name_the_item():
    want = (np.zeros((2, 2)), np.ones((3, 3)), np.zeros(4))
    got = (np.zeros((2, 2)), np.ones((3, 2)), np.zeros(4))
    assert (
        compare(got, want, "c").message == "c returned, in item [1], shape (3, 2); expected (3, 3)"
    )
    assert compare(list(want), want, "c").passed  # a list of the right items is fine
    assert compare(want[:2], want, "c").message == "c returned 2 items; expected 3"


def test_ints_bools_and_floats():
    assert compare(7, 7, "n").passed
    assert compare(np.int64(7), 7, "n").passed
    assert compare(7.0, 7, "n").message == "n returned a float; expected an int"
    assert compare(True, 1, "n").message == "n returned a bool; expected an int"
    assert compare(8, 7, "n").message == "n returned a wrong value"
    assert compare(1, 1.0, "b").passed
    assert compare(np.array(1.0), 1.0, "b").message.startswith("b returned an array")
    patterns = np.array([[True, False], [False, True]])
    assert compare(patterns.astype(float), patterns, "p").message == (
        "p returned dtype float64; expected a bool array"
    )
    assert compare(~patterns, patterns, "p").message == "p returned wrong values at 4 of 4 entries"
