"""Partly right.

- relu, shallow_net and interpolant_net are correct.
- kink_locations puts the kink at +theta_0/theta_1 (sign lost: it should be -theta_0/theta_1).
- count_linear_regions returns D + 1, as if every hidden unit always added a region, even when
  its kink is outside (lo, hi), its phi_d is 0, or it shares its kink with a cancelling unit.
"""

import numpy as np


def relu(z):
    return np.maximum(z, 0)


def shallow_net(x, theta, phi):
    y = np.full(len(x), float(phi[0]))
    for d in range(theta.shape[0]):
        y += phi[d + 1] * relu(theta[d, 0] + theta[d, 1] * x)
    return y


def kink_locations(theta):
    kinks = []
    for bias, slope in theta:
        if slope != 0:
            kinks.append(bias / slope)
    return np.sort(np.array(kinks))


def count_linear_regions(theta, phi, lo, hi):
    # each hidden unit bends the line once, so D units make D + 1 pieces
    return theta.shape[0] + 1


def interpolant_net(f, knots):
    ys = np.array([f(k) for k in knots], dtype=float)
    theta = np.zeros((len(knots) - 1, 2))
    phi = np.zeros(len(knots))
    phi[0] = ys[0]
    previous = 0.0
    for j in range(len(knots) - 1):
        slope = (ys[j + 1] - ys[j]) / (knots[j + 1] - knots[j])
        theta[j] = [-knots[j], 1.0]
        phi[j + 1] = slope - previous
        previous = slope
    return theta, phi
