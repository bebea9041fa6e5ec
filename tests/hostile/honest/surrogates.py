"""Honest, with odd text: a correct composition submission whose loading raises errors holding
lone surrogates and control characters, and whose calls print and warn such text. It must keep
its full score, and the batch must exit 0."""

import warnings

import numpy as np


def relu(z):
    return np.maximum(z, 0.0)


def shallow(x, theta, phi):
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))
    return phi[0] + h @ phi[1:]


def _noise():
    print("odd \udcff text \x1b[2J")
    warnings.warn("odd \ud800 warning", stacklevel=1)


def compose(x, theta1, phi1, theta2, phi2):
    _noise()
    return shallow(shallow(x, theta1, phi1), theta2, phi2)


def composition_to_deep(theta1, phi1, theta2, phi2):
    psi = np.zeros((theta2.shape[0], theta1.shape[0] + 1))
    psi[:, 0] = theta2[:, 0] + theta2[:, 1] * phi1[0]
    psi[:, 1:] = theta2[:, 1:2] * phi1[1:]
    return theta1.copy(), psi, phi2.copy()


def deep_net(x, theta, psi, phi):
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))
    h2 = relu(psi[:, 0] + h @ psi[:, 1:].T)
    return phi[0] + h2 @ phi[1:]


raise ValueError("at load \udcff\udcfe \x00 \u202e text")
