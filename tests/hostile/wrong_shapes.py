# Attack: returns broadcastable wrong shapes ((1, N) or (N, 1) where (N,) is due) and a transposed psi.
import numpy as np


def compose(x, theta1, phi1, theta2, phi2):
    return np.zeros((1, len(x)))


def composition_to_deep(theta1, phi1, theta2, phi2):
    return theta1.T, np.zeros((len(phi1), len(phi2) - 1)), phi2[:, None]


def deep_net(x, theta, psi, phi):
    return np.zeros((len(x), 1))
