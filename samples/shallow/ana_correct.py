"""A correct shallow submission: every function of the assignment, numpy only."""

import numpy as np


def relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def shallow_net(x, theta, phi):
    """x (N,), theta (D, 2), phi (D+1,) -> y (N,)."""
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))  # (N, D)
    return phi[0] + h @ phi[1:]


def kink_locations(theta):
    """Sorted x where a unit's pre-activation is 0, for the units with a nonzero slope."""
    moving = theta[:, 1] != 0
    return np.sort(-theta[moving, 0] / theta[moving, 1])


def count_linear_regions(theta, phi, lo, hi):
    """Number of affine pieces of shallow_net on [lo, hi]."""
    slope = theta[:, 1]
    active = (slope != 0) & (phi[1:] != 0)
    kinks = -theta[active, 0] / slope[active]
    # Crossing a kink from left to right changes the slope of phi_d relu(.) by phi_d |theta_d1|.
    jumps = phi[1:][active] * np.abs(slope[active])
    inside = (kinks > lo) & (kinks < hi)
    kinks, jumps = kinks[inside], jumps[inside]
    if kinks.size == 0:
        return 1
    # Units that kink at the same x add their slope changes; they may cancel.
    places, group = np.unique(kinks, return_inverse=True)
    total = np.zeros(places.size)
    size = np.zeros(places.size)
    np.add.at(total, group, jumps)
    np.add.at(size, group, np.abs(jumps))
    real = np.abs(total) > 1e-12 * size
    return 1 + int(np.count_nonzero(real))


def interpolant_net(f, knots):
    """(theta (K-1, 2), phi (K,)) whose net interpolates f at the K sorted knots."""
    knots = np.asarray(knots, dtype=float)
    values = np.array([float(f(k)) for k in knots])
    slopes = np.diff(values) / np.diff(knots)  # (K-1,)
    theta = np.column_stack([-knots[:-1], np.ones(knots.size - 1)])
    # Unit 0 starts the first slope at knots[0]; unit j adds the change of slope at knots[j].
    weights = np.concatenate([slopes[:1], np.diff(slopes)])
    phi = np.concatenate([[values[0]], weights])
    return theta, phi
