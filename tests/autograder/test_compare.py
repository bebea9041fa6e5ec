"""compare: structure problems get specific messages; values use the tolerance; no leaks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.compare import agrees, close, compare


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
    assert compare(got, want, "c").message == "c returned item [1] of shape (3, 2); expected (3, 3)"
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


def test_tuple_items_are_named_as_in_the_api():
    theta, psi, phi = np.zeros((2, 2)), np.ones((3, 3)), np.zeros(4)
    v = compare((theta, np.ones((3, 2)), phi), (theta, psi, phi), "composition_to_deep")
    assert v.message == "composition_to_deep returned psi of shape (3, 2); expected (3, 3)"
    assert v.hidden_message == (
        "composition_to_deep returned psi of the wrong shape: axis 1 is shorter than expected"
    )
    v = compare((np.zeros(3), 1), (np.zeros(3), 1.5), "fit_logistic_regression")
    assert v.message == "fit_logistic_regression returned b with a wrong value"
    v = compare((np.zeros(3), "x"), (np.zeros(3), 1.5), "fit_logistic_regression")
    assert v.message == "fit_logistic_regression returned b as a str; expected a float"
    losses = [1.0, 0.5, 0.25]
    v = compare(
        (np.zeros(2), np.zeros(2), [1.0, 0.7, 0.25]), (np.zeros(2), np.zeros(2), losses), "train"
    )
    assert v.message == "train returned losses[1] with a wrong value"


# A student who knows the hidden case could choose k (a length, a dimension, an error size) to
# carry a hidden number back; the hidden message must not depend on k beyond a few bits.
@pytest.mark.parametrize("k", [7, 1234, 98765])
def test_hidden_messages_carry_no_chosen_number(k):
    want = np.arange(50.0)
    for got in (np.zeros(k), np.zeros((1, k)), [0.0] * k, np.full(50, float(k)), np.zeros((k, 3))):
        v = compare(got, want, "compose")
        assert not v.passed and v.hidden_message
        assert str(k) not in v.hidden_message, v.hidden_message
        assert "(50,)" not in v.hidden_message  # the expected shape is the instance's
    tup = (np.zeros(2), np.zeros(3), np.zeros(4))
    for got in ([0.0] * k, tuple([np.zeros(2)] * k), (np.zeros(2), np.zeros(k), np.zeros(4))):
        v = compare(got, tup, "composition_to_deep")
        assert str(k) not in v.hidden_message, v.hidden_message
    off = want.copy()
    off[1:] += k
    assert compare(off, want, "f").hidden_message == (
        "f returned wrong values at 49 of 50 entries"
    )  # counts of entries, never the size of an error


def test_every_failure_has_a_hidden_message():
    want = (np.zeros((2, 2)), 3, 1.5, True, None, [np.zeros(2)])
    bads = [
        None,
        (np.zeros((2, 2)),),
        (np.zeros((2, 2), dtype=complex), 3, 1.5, True, None, [np.zeros(2)]),
        (np.zeros((2, 2)), 3.0, 1.5, True, None, [np.zeros(2)]),
        (np.zeros((2, 2)), 3, "x", True, None, [np.zeros(2)]),
        (np.zeros((2, 2)), 3, 1.5, 1, None, [np.zeros(2)]),
        (np.zeros((2, 2)), 3, 1.5, True, 0, [np.zeros(2)]),
        (np.zeros((2, 2)), 3, 1.5, True, None, [np.full(2, np.nan)]),
    ]
    for got in bads:
        v = compare(got, want, "g")
        assert not v.passed and v.hidden_message and v.hidden_message.startswith("g returned")


_SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-300, 5e-324, 1e300, -1e300, 1.7e308, np.inf, -np.inf, np.nan]


@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(_SPECIAL)),
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(_SPECIAL)),
        ),
        max_size=30,
    ),
    st.sampled_from([(1e-6, 1e-9), (0.0, 0.0), (1e-3, 0.0), (0.0, 1e-3), (0.5, 1e300)]),
)
def test_close_is_numpys_isclose_with_nan_equal(pairs, tol):
    """The grader's own close() agrees with np.isclose(..., equal_nan=True) entry by entry,
    NaN, infinities, subnormals and overflowing differences included."""
    rtol, atol = tol
    got = np.array([g for g, _ in pairs], dtype=np.float64)
    want = np.array([w for _, w in pairs], dtype=np.float64)
    with np.errstate(over="ignore"):
        mine = close(got, want, rtol, atol)
        theirs = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    assert np.array_equal(mine, theirs)
    for g, w in pairs[:3]:  # 0-d, as a float answer is judged
        with np.errstate(over="ignore"):
            one = close(np.asarray(g), np.asarray(w), rtol, atol)
            assert bool(one) == bool(np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True))


_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from(_SPECIAL),
        st.lists(st.sampled_from(_SPECIAL[:6] + [np.nan]), max_size=4).map(np.array),
        st.lists(st.booleans(), max_size=4).map(np.array),
        st.lists(st.integers(-2, 2), max_size=4).map(lambda v: np.array(v, dtype=np.int64)),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple)),
    max_leaves=6,
)


@given(_VALUES, _VALUES, st.sampled_from([(1e-6, 1e-9), (0.0, 0.0), (0.5, 1.0)]))
def test_agrees_is_compares_verdict(got, want, tol):
    """agrees() (no messages made) says what compare() says, for any pair of values compare
    accepts: arrays of every kind and shape, scalars, None, nested lists and tuples."""
    rtol, atol = tol
    try:
        verdict = compare(got, want, "f", rtol=rtol, atol=atol)
    except TypeError:  # an expected value compare does not take: agrees() refuses it too
        with pytest.raises(TypeError):
            agrees(got, want, rtol=rtol, atol=atol)
        return
    assert agrees(got, want, rtol=rtol, atol=atol) is verdict.passed
    assert agrees(want, want, rtol=rtol, atol=atol) or not compare(want, want, "f").passed
