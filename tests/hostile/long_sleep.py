# Attack: sleeps far longer than any limit (idle, so only a wall-clock limit can stop it).
import time


def compose(x, theta1, phi1, theta2, phi2):
    time.sleep(10**6)


def composition_to_deep(theta1, phi1, theta2, phi2):
    time.sleep(10**6)


def deep_net(x, theta, psi, phi):
    import select

    select.select([], [], [], 10**6)
