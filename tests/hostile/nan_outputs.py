# Attack: returns NaN (and inf), which fools comparisons written as "not (abs(a - b) > tol)".
import numpy as np


def compose(x, theta1, phi1, theta2, phi2):
    return np.full(np.shape(x), np.nan)


def composition_to_deep(theta1, phi1, theta2, phi2):
    return (
        np.full(theta1.shape, np.nan),
        np.full((len(phi2) - 1, len(phi1)), np.inf),
        np.full(phi2.shape, -np.inf),
    )


def deep_net(x, theta, psi, phi):
    return float("nan")
