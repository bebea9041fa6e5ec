"""The notebooks' interactive explorers (tools/notebook_src/_explorers.py), driven as a student
drives them: set a real ipywidgets slider's value and look at what the redrawn figure shows.

The reference functions stand in for a student's finished functions. What a figure should show
is worked out here from the slider values (kinks at -theta_d0 / theta_d1, the notes' 3 x 3
composition, 2^L sawtooth pieces, a circle of radius sqrt(b), the loss of a training run).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import re
import sys
from pathlib import Path

import matplotlib
import matplotlib.figure
import numpy as np
import pytest
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytest.importorskip("ipywidgets")

from reference import backprop as ref_backprop  # noqa: E402
from reference import composition as ref_composition  # noqa: E402
from reference import depth as ref_depth  # noqa: E402
from reference import features as ref_features  # noqa: E402
from reference import shallow as ref_shallow  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tools" / "notebook_src" / "_explorers.py"
EXPLORED = ("shallow", "composition", "depth", "features", "backprop")


def load(name: str = "relulab_explorers"):
    """A fresh copy of the explorers module (as a notebook's given cell defines it)."""
    spec = importlib.util.spec_from_file_location(name, SOURCE)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    return module


E = load()

THETA_DEMO = np.array([[0.3, -1.0], [-1.0, 2.0], [-0.5, 0.65]])
PHI_DEMO = np.array([-0.2, 1.5, -1.0, 2.0])
THETA_A = np.array([[1.0, 1.0], [1.0 / 3.0, 1.0], [-1.0 / 3.0, 1.0]])
PHI_A = np.array([-1.0, 3.0, -6.0, 6.0])
THETA_B = np.array([[1.0, 1.0], [0.5, 1.0], [-0.4, 1.0]])
PHI_B = np.array([0.6, -0.8, 2.0, -2.2])


@pytest.fixture(autouse=True)
def _quick_figures(monkeypatch):
    """Figures are checked by their artists: skip the layout pass (most of a redraw's time)."""
    monkeypatch.setattr(matplotlib.figure.Figure, "tight_layout", lambda self, *a, **k: None)
    yield
    plt.close("all")


def build(make, *args, **kwargs):
    """Run an explorer's constructor as a notebook cell does (display prints a repr here)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return make(*args, **kwargs)


def move(explorer, **values):
    """Set sliders one by one, as a student does; returns the figure the last redraw made."""
    for name, value in values.items():
        before = explorer.widget.result
        slider = explorer.controls[name]
        assert slider.value != value, f"{name} is already {value}"
        slider.value = value
        assert explorer.widget.result is not before, f"moving {name} did not redraw"
    return explorer.widget.result


def with_gid(artists, gid):
    return [a for a in artists if a.get_gid() == gid]


def shallow_explorer(kink_locations=ref_shallow.kink_locations):
    return build(
        E.shallow_explorer,
        ref_shallow.shallow_net,
        kink_locations,
        ref_shallow.count_linear_regions,
        THETA_DEMO,
        PHI_DEMO,
        0.0,
        2.0,
    )


def shallow_state(explorer):
    """theta (D, 2) and phi (D + 1,) as the sliders hold them now."""
    values = {name: slider.value for name, slider in explorer.controls.items()}
    theta = np.array([[values[f"theta_{d}0"], values[f"theta_{d}1"]] for d in (1, 2, 3)])
    return theta, np.array([values[f"phi_{d}"] for d in range(4)])


def regions_in_title(ax) -> int:
    return int(re.match(r"(\d+) linear regions? on", ax.get_title()).group(1))


def test_shallow_sliders_start_at_the_notebook_network():
    explorer = shallow_explorer()
    theta, phi = shallow_state(explorer)
    assert np.array_equal(theta, THETA_DEMO) and np.array_equal(phi, PHI_DEMO)
    assert len(explorer.controls) == 3 * 2 + 4, "one slider per theta_d0, theta_d1 and phi_d"
    ax = explorer.widget.result.axes[0]
    (marks,) = with_gid(ax.lines, "kinks")
    np.testing.assert_allclose(marks.get_xdata(), [0.3, 0.5, 0.5 / 0.65], rtol=1e-12)
    assert regions_in_title(ax) == 4


@pytest.mark.parametrize(
    ("moves", "regions"),
    [
        ({"theta_10": 1.5}, 4),  # unit 1's kink moves to 1.5, still inside [0, 2]
        ({"theta_31": 0.2}, 3),  # unit 3's kink -(-0.5)/0.2 = 2.5 leaves [0, 2]
        ({"theta_31": 0.0}, 3),  # a constant unit has no kink at all
        ({"phi_2": 0.0}, 3),  # unit 2 still switches at 0.5 but adds nothing to y
        ({"theta_10": 0.5}, 3),  # units 1 and 2 switch at the same x: one bend
        ({"theta_10": -0.5, "theta_11": 1.0, "phi_1": 2.0}, 2),  # 2 * 1 - 1 * 2: bends cancel
    ],
)
def test_shallow_kink_markers_and_region_count_follow_the_sliders(moves, regions):
    explorer = shallow_explorer()
    ax = move(explorer, **moves).axes[0]
    theta, phi = shallow_state(explorer)
    with np.errstate(divide="ignore"):
        kinks = np.sort(-theta[:, 0] / theta[:, 1])
    kinks = kinks[(kinks > 0.0) & (kinks < 2.0)]
    (marks,) = with_gid(ax.lines, "kinks")
    np.testing.assert_allclose(marks.get_xdata(), kinks, rtol=1e-12)
    y = theta[:, 0] + np.outer(marks.get_xdata(), theta[:, 1])  # markers sit on the curve
    np.testing.assert_allclose(marks.get_ydata(), phi[0] + np.maximum(y, 0) @ phi[1:])
    assert regions_in_title(ax) == regions


def test_shallow_markers_are_what_the_students_kink_locations_returns():
    shifted = build(
        E.shallow_explorer,
        ref_shallow.shallow_net,
        lambda theta: ref_shallow.kink_locations(theta) + 0.125,
        ref_shallow.count_linear_regions,
        THETA_DEMO,
        PHI_DEMO,
        0.0,
        2.0,
    )
    (marks,) = with_gid(shifted.widget.result.axes[0].lines, "kinks")
    np.testing.assert_allclose(marks.get_xdata(), np.array([0.3, 0.5, 0.5 / 0.65]) + 0.125)


def composition_explorer():
    return build(
        E.composition_explorer,
        ref_shallow.shallow_net,
        ref_composition.compose,
        THETA_A,
        PHI_A,
        THETA_B,
        PHI_B,
    )


def bands(fig):
    """(left, right, piece) of the coloured regions of the composition panel."""
    out = []
    for patch in fig.axes[2].patches:
        x = patch.get_path().transformed(patch.get_patch_transform()).vertices[:, 0]
        out.append((x.min(), x.max(), int(patch.get_gid().split()[1])))
    return out


def test_composition_of_the_notes_has_nine_regions_three_per_piece_of_network_2():
    explorer = composition_explorer()
    fig = explorer.widget.result
    # Network 1 zig-zags -1 -> 1 -> -1 -> 1 on [-1, 1]; network 2 kinks at y = -1, -0.5 and 0.4
    # (pieces 1, 2, 3 cover [-1, 1]). Each of network 1's three ramps runs through pieces 1, 2, 3
    # (or back), crossing -0.5 and 0.4 where 3 (x - x_start) = 0.5 and 1.4.
    third = 1.0 / 3.0
    edges = [
        -1.0,
        -1 + 0.5 / 3,
        -1 + 1.4 / 3,
        -third,
        -third + 0.6 / 3,
        -third + 1.5 / 3,
        third,
        third + 0.5 / 3,
        third + 1.4 / 3,
        1.0,
    ]
    got = bands(fig)
    assert [piece for _, _, piece in got] == [1, 2, 3, 3, 2, 1, 1, 2, 3]
    np.testing.assert_allclose([b[0] for b in got] + [got[-1][1]], edges, atol=1e-12)
    assert fig.axes[2].get_title() == "composition: 9 linear regions"


def test_composition_regions_follow_the_sliders():
    explorer = composition_explorer()
    # Network 1 scaled by 0.3 swings between -1 and -0.4: only network 2's kink at -0.5 is
    # crossed, once on each ramp.
    got = bands(move(explorer, scale=0.3))
    assert [piece for _, _, piece in got] == [1, 2, 2, 1, 1, 2]
    np.testing.assert_allclose(got[0][1], -1 + 0.5 / 0.9, atol=1e-12)  # -1 + 0.9 (x + 1) = -0.5
    # Scale 0: network 1 is the constant -1, on network 2's kink at -1; one flat region.
    fig = move(explorer, scale=0.0)
    assert len(bands(fig)) == 1 and fig.axes[2].get_title() == "composition: 1 linear region"
    # Back to the notes' scale, network 2's first kink moved from -1 to -0.8 (theta'_10 = 0.8):
    # network 1 now also crosses -0.8 and visits network 2's flat piece 0 below it: every ramp
    # runs through four pieces, and at x = 1/3 the two visits of piece 0 meet (the composition
    # is flat on both sides of network 1's kink there): 11 regions.
    got = bands(move(explorer, scale=1.0, theta2_10=0.8))
    assert [piece for _, _, piece in got] == [0, 1, 2, 3, 3, 2, 1, 0, 1, 2, 3]


def test_composition_merges_neighbours_with_equal_slopes():
    # Network 1's output shifted below -1 stays in network 2's flat piece 0 (slope 0) across
    # its kinks: the composition is one constant region there.
    explorer = composition_explorer()
    fig = move(explorer, shift=-2.0, scale=0.25)  # network 1 in [-2, -1.5]
    assert bands(fig) == [(-1.0, 1.0, 0)]


def depth_explorer():
    return build(
        E.depth_explorer, ref_depth.mlp, ref_depth.sawtooth_layers, ref_depth.count_linear_pieces
    )


def test_sawtooth_depth_slider_draws_two_to_the_l_pieces():
    explorer = depth_explorer()
    for depth in (1, 3, 4, 5, 6):  # starts at L = 2
        fig = move(explorer, depth=depth)
        pieces = with_gid(fig.axes[1].lines, "piece")
        assert len(pieces) == 2**depth
        ends = np.concatenate([p.get_xdata() for p in pieces])
        corners = np.linspace(-2.0, 2.0, 2**depth + 1)  # f_L's corners, at +-2 alternately
        np.testing.assert_allclose(np.unique(ends), corners, atol=1e-12)
        heights = np.concatenate([p.get_ydata() for p in pieces])
        np.testing.assert_allclose(np.abs(heights), 2.0, atol=1e-12)
        assert f": {2**depth} pieces drawn" in fig.axes[1].get_title()
        assert fig.axes[1].get_title().endswith(f"has {2**depth})")
        assert fig.axes[0].get_title().endswith(f"{2 ** (depth - 1)} pieces")


def test_sawtooth_fold_slider_goes_from_f_l_minus_1_to_f_l():
    explorer = depth_explorer()
    x = np.linspace(-2.0, 2.0, 9)
    before, after = ref_depth.sawtooth(x, 2), ref_depth.sawtooth(x, 3)
    move(explorer, depth=3)
    for t, count in ((0.0, 4), (0.5, 8), (0.05, 8)):
        pieces = with_gid(move(explorer, fold=t).axes[1].lines, "piece")
        assert len(pieces) == count, f"t = {t}"
        xs = np.concatenate([p.get_xdata() for p in pieces])
        ys = np.concatenate([p.get_ydata() for p in pieces])
        for xi, want in zip(x, (1 - t) * before + t * after, strict=True):
            np.testing.assert_allclose(ys[np.isclose(xs, xi)], want, atol=1e-12)


def features_explorer():
    X, y = ref_features.make_rings(60, seed=3)
    return (
        build(E.features_explorer, ref_features.add_radius_feature, ref_features.predict, X, y),
        X,
        y,
    )


@pytest.mark.parametrize("radius", [1.5, 2.0, 2.5])
def test_features_boundary_is_the_circle_of_radius_sqrt_b(radius):
    explorer, X, y = features_explorer()
    ax = move(explorer, b=round(radius**2, 2)).axes[0]
    (boundary,) = with_gid(ax.collections, "boundary")
    vertices = np.vstack([path.vertices for path in boundary.get_paths()])
    np.testing.assert_allclose(np.hypot(vertices[:, 0], vertices[:, 1]), radius, atol=0.02)
    inside = np.sum(X**2, axis=1) < round(radius**2, 2)  # class 1 where b - |x|^2 > 0
    assert ax.get_title().startswith(f"accuracy {np.mean(inside == (y == 1)):.2f}\n")


def test_features_off_centre_and_without_a_boundary():
    explorer, X, y = features_explorer()
    ax = move(explorer, w1=1.0, b=4.0).axes[0]  # -(x1^2 - x1 + x2^2) + 4: centre (0.5, 0)
    (boundary,) = with_gid(ax.collections, "boundary")
    vertices = np.vstack([path.vertices for path in boundary.get_paths()])
    np.testing.assert_allclose(np.hypot(vertices[:, 0] - 0.5, vertices[:, 1]), 2.0615, atol=0.02)
    ax = move(explorer, w1=0.0, w3=0.0).axes[0]  # score 4 everywhere: all class 1, no boundary
    assert not with_gid(ax.collections, "boundary")
    assert ax.get_title().startswith(f"accuracy {np.mean(y == 1):.2f}\n")


def backprop_problem():
    x1 = np.linspace(-3.0, 3.0, 40)
    return np.column_stack([x1, np.ones_like(x1)]), np.sin(x1)[:, None]


def test_backprop_step_slider_shows_the_training_run_of_train():
    x, t = backprop_problem()
    explorer = build(
        E.backprop_explorer,
        ref_backprop.forward,
        ref_backprop.mse,
        ref_backprop.train,
        x,
        t,
        n_hidden=6,
        lr=0.05,
        steps=200,
        seed=1,
        every=5,
    )
    for k in (0, 35, 200, 10):
        fig = explorer.widget.result if k == 0 else move(explorer, step=k)
        w, _, losses = ref_backprop.train(x, t, n_hidden=6, lr=0.05, steps=k + 1, seed=1)
        curve, marker = fig.axes[0].lines
        np.testing.assert_allclose(curve.get_ydata(), losses, rtol=1e-12)
        np.testing.assert_allclose(marker.get_ydata(), [losses[k]], rtol=1e-12)
        assert fig.axes[0].get_title() == f"after {k} steps: loss {losses[k]:.4g}"
        w_k = ref_backprop.train(x, t, n_hidden=6, lr=0.05, steps=k, seed=1)[0]
        kinks = -w_k[1] / w_k[0]
        (marks,) = with_gid(fig.axes[1].lines, "kinks")
        np.testing.assert_allclose(marks.get_xdata(), kinks[np.abs(kinks) <= 3.0], rtol=1e-12)
        assert w.shape == w_k.shape


def test_without_ipywidgets_an_explorer_draws_one_static_figure(monkeypatch):
    module = load("relulab_explorers_static")
    monkeypatch.setattr(module, "widgets", None)
    explorer = build(
        module.depth_explorer,
        ref_depth.mlp,
        ref_depth.sawtooth_layers,
        ref_depth.count_linear_pieces,
    )
    assert explorer.widget is None and explorer.controls == {}
    assert plt.get_fignums() == [1]
    assert len(with_gid(plt.figure(1).axes[1].lines, "piece")) == 4


def unwritten(*args, **kwargs):
    raise NotImplementedError("shallow_net is not written yet")


def test_an_unwritten_exercise_stops_an_explorer_before_any_widget_or_figure():
    with pytest.raises(NotImplementedError):
        build(
            E.shallow_explorer,
            unwritten,
            ref_shallow.kink_locations,
            ref_shallow.count_linear_regions,
            THETA_DEMO,
            PHI_DEMO,
            0.0,
            2.0,
        )
    with pytest.raises(NotImplementedError):
        build(
            E.backprop_explorer,
            ref_backprop.forward,
            ref_backprop.mse,
            unwritten,
            *backprop_problem(),
            n_hidden=4,
            lr=0.1,
            steps=10,
            seed=0,
        )
    assert plt.get_fignums() == []


@contextlib.contextmanager
def grader_stand_ins():
    """The grader's sandbox view: IPython and ipywidgets are its no-op stand-ins."""
    from autograder.sandbox import _nbruntime

    names = [n for n in sys.modules if n.split(".")[0] in ("IPython", "ipywidgets", "ipympl")]
    saved = {n: sys.modules.pop(n) for n in names}
    finder = _nbruntime.StandIns()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for n in [n for n in sys.modules if n.split(".")[0] in ("IPython", "ipywidgets", "ipympl")]:
            del sys.modules[n]
        sys.modules.update(saved)


def test_under_the_graders_stand_ins_explorers_check_the_functions_but_draw_nothing():
    with grader_stand_ins():
        module = load("relulab_explorers_graded")
        assert module.widgets is not None  # the stand-in, not the static fallback
        for make, args in (
            (
                module.shallow_explorer,
                (
                    ref_shallow.shallow_net,
                    ref_shallow.kink_locations,
                    ref_shallow.count_linear_regions,
                    THETA_DEMO,
                    PHI_DEMO,
                    0.0,
                    2.0,
                ),
            ),
            (
                module.composition_explorer,
                (ref_shallow.shallow_net, ref_composition.compose, THETA_A, PHI_A, THETA_B, PHI_B),
            ),
            (
                module.depth_explorer,
                (ref_depth.mlp, ref_depth.sawtooth_layers, ref_depth.count_linear_pieces),
            ),
            (
                module.features_explorer,
                (
                    ref_features.add_radius_feature,
                    ref_features.predict,
                    *ref_features.make_rings(20),
                ),
            ),
            (
                module.backprop_explorer,
                (
                    ref_backprop.forward,
                    ref_backprop.mse,
                    ref_backprop.train,
                    *backprop_problem(),
                    4,
                    0.1,
                    10,
                    0,
                ),
            ),
        ):
            make(*args)
        with pytest.raises(NotImplementedError):  # what a notebook's when_ready reports
            module.depth_explorer(
                unwritten, ref_depth.sawtooth_layers, ref_depth.count_linear_pieces
            )
    assert plt.get_fignums() == [], "the stand-in interact never calls update: no figure"


def graded_names() -> set[str]:
    course = yaml.safe_load((ROOT / "course.yml").read_text(encoding="utf-8"))
    return {f for a in course["assignments"] for q in a["questions"] for f in q["functions"]}


def test_the_inlined_code_binds_no_graded_name():
    """The explorers' cell is a given cell in every notebook: the grader must not take it for an
    answer cell, and it must not replace any student function."""
    from autograder.sandbox import _nbruntime

    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    assert not _nbruntime.defines(tree, frozenset(graded_names()))
    assert _nbruntime.defines(tree, frozenset({"shallow_explorer"}))  # the check can say yes


@pytest.mark.parametrize("assignment", EXPLORED)
def test_each_notebook_asks_to_predict_then_runs_its_explorer_in_a_plot_cell(assignment):
    nb = json.loads((ROOT / "exercises" / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    cells = [(c["cell_type"], c["metadata"], "".join(c["source"])) for c in nb["cells"]]
    at = next(
        i
        for i, (kind, _, text) in enumerate(cells)
        if kind == "code" and f"{assignment}_explorer(" in text and "def " not in text
    )
    assert cells[at][1]["relulab"]["role"] == "plot"
    assert cells[at][2].startswith("with when_ready():")
    assert cells[at - 1][1]["relulab"]["role"] == "given"
    given = cells[at - 1][2]
    assert f"def {assignment}_explorer(" in given and "class Explorer" in given
    others = [name for name in EXPLORED if name != assignment]
    assert not [name for name in others if f"def {name}_explorer(" in given]  # only its own
    assert cells[at - 2][0] == "markdown" and "**Predict first" in cells[at - 2][2]
    notation = [text for kind, _, text in cells[:3] if kind == "markdown" and "Notation" in text]
    assert notation and "`capacity`" in notation[0]
