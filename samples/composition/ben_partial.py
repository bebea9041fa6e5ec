"""Partly right: compose is fine, psi forgets phi_0, deep_net has no ReLU on layer 2."""

import numpy as np


def shallow(x, theta, phi):
    h = np.maximum(theta[:, 0] + np.outer(x, theta[:, 1]), 0.0)
    return phi[0] + h @ phi[1:]


def compose(x, theta1, phi1, theta2, phi2):
    return shallow(shallow(x, theta1, phi1), theta2, phi2)


def composition_to_deep(theta1, phi1, theta2, phi2):
    psi = np.zeros((theta2.shape[0], theta1.shape[0] + 1))
    psi[:, 0] = theta2[:, 0]
    psi[:, 1:] = np.outer(theta2[:, 1], phi1[1:])
    return theta1, psi, phi2


def deep_net(x, theta, psi, phi):
    h = np.maximum(theta[:, 0] + np.outer(x, theta[:, 1]), 0.0)
    h2 = psi[:, 0] + h @ psi[:, 1:].T
    return phi[0] + h2 @ phi[1:]
