# Attack: os._exit(0) at import time, killing the process before any check can run.
import os

os._exit(0)


def compose(x, theta1, phi1, theta2, phi2):
    return x


def composition_to_deep(theta1, phi1, theta2, phi2):
    return theta1, theta2, phi2


def deep_net(x, theta, psi, phi):
    return x
