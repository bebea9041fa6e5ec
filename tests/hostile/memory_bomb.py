# Attack: exhausts memory (one huge numpy allocation, a growing list, a huge bytes object).
import numpy as np


def compose(x, theta1, phi1, theta2, phi2):
    return np.ones((10**6, 10**6))


def composition_to_deep(theta1, phi1, theta2, phi2):
    hoard = []
    while True:
        hoard.append(bytearray(50 * 2**20))


def deep_net(x, theta, psi, phi):
    return b"x" * (2**40)
