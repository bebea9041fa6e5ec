# Attack: returns an ndarray subclass whose comparisons and arithmetic lie (== is always True, a - b is 0).
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(self), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(self)).view(Liar)

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(np.shape(self)).view(Liar)

    def __lt__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(self)).view(Liar)


class LiarFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __hash__ = float.__hash__


def compose(x, theta1, phi1, theta2, phi2):
    return np.zeros(x.shape).view(Liar)


def composition_to_deep(theta1, phi1, theta2, phi2):
    return (np.zeros(theta1.shape).view(Liar), LiarFloat(0.0), np.zeros(phi2.shape).view(Liar))


def deep_net(x, theta, psi, phi):
    return [LiarFloat(0.0)] * len(x)
