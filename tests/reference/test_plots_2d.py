"""Tests for reference.plots2d: figures are built headless, show the right things, and render."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from reference.features import add_radius_feature, fit_logistic_regression, make_rings
from reference.plots2d import (
    plot_losses,
    plot_neuron_surfaces,
    plot_region_map,
    plot_rings,
    region_ids,
)
from reference.surfaces import count_regions_grid


def renders(fig: Figure) -> bool:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def net(seed=0, widths=(3, 2)):
    rng = np.random.default_rng(seed)
    layers, d = [], 2
    for w in widths:
        layers.append((rng.normal(size=(w, d)), rng.normal(size=w)))
        d = w
    layers.append((rng.normal(size=(1, d)), np.zeros(1)))
    return layers


def test_import_does_not_load_matplotlib():
    code = "import sys, reference.plots2d; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_region_map_one_colour_per_pattern():
    layers = net(1, (4, 3))
    box = (-2.0, 2.0, -2.0, 2.0)
    fig = plot_region_map(layers, box, resolution=120)
    assert isinstance(fig, Figure) and renders(fig)
    img = fig.axes[0].images[0].get_array()
    assert img.shape == (120, 120)
    assert len(np.unique(img)) == count_regions_grid(layers, box, 120)


def test_region_map_orientation_rows_are_y():
    # One unit switching at y = 5 on the box x in (-1, 1), y in (0, 10).
    layers = [(np.array([[0.0, 1.0]]), np.array([-5.0])), (np.ones((1, 1)), np.zeros(1))]
    ids = region_ids(layers, (-1.0, 1.0, 0.0, 10.0), 21)
    assert np.all(ids[:10] == ids[0, 0]) and np.all(ids[11:] == ids[-1, 0])
    assert ids[0, 0] != ids[-1, 0]


def test_region_map_into_given_axes():
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert plot_region_map(net(), (-1, 1, -1, 1), resolution=30, ax=ax) is fig
    assert len(ax.images) == 1


def test_neuron_surfaces_one_panel_per_neuron():
    layers = net(2, (3, 2))
    fig = plot_neuron_surfaces(layers, (-2, 2, -2, 2), resolution=40)
    titled = [ax for ax in fig.axes if ax.get_title().startswith("layer")]
    assert [ax.get_title() for ax in titled] == [
        "layer 1, neuron 1",
        "layer 1, neuron 2",
        "layer 1, neuron 3",
        "layer 2, neuron 1",
        "layer 2, neuron 2",
    ]
    assert renders(fig)


def test_rings_plain_and_lifted():
    X, y = make_rings(40, seed=0)
    fig = plot_rings(X, y)
    assert len(fig.axes) == 1 and renders(fig)
    w, b = fit_logistic_regression(add_radius_feature(X), y, 0.1, 500)
    fig = plot_rings(X, y, w, b, lifted=True)
    assert len(fig.axes) == 2 and renders(fig)
    # The lifted panel's boundary is the line where w1 x1 + w2 x2 + w3 r2 + b = 0.
    (line,) = fig.axes[1].get_lines()
    hx, r2 = line.get_data()
    np.testing.assert_allclose(np.asarray(hx) + w[2] * np.asarray(r2) + b, 0.0, atol=1e-9)
    fig = plot_rings(X, y, np.array([1.0, 0.0]), 0.0)
    assert len(fig.axes) == 1 and renders(fig)


@pytest.mark.parametrize(
    "kwargs, needle",
    [({"w": np.zeros(4), "b": 0.0}, "w must"), ({"w": np.zeros(2)}, "together")],
)
def test_rings_bad_arguments(kwargs, needle):
    X, y = make_rings(5, seed=0)
    with pytest.raises(ValueError, match=needle):
        plot_rings(X, y, **kwargs)


def test_losses():
    fig = plot_losses([4.0, 2.0, 1.0, 0.5])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [4.0, 2.0, 1.0, 0.5])
    assert renders(fig)
    assert plot_losses([1.0, 0.0]).axes[0].get_yscale() == "linear"
