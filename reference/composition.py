"""Answer key for the `composition` assignment: composing two shallow networks is a deep network.

Network 1, (theta1, phi1), maps x to y; network 2, (theta2, phi2), maps y to y'. Feeding
y = phi1_0 + sum_j phi1_j h_j into unit i of network 2 gives

    h'_i = relu(theta2_i0 + theta2_i1 * y) = relu(psi_i0 + sum_j psi_ij h_j)

with psi_i0 = theta2_i0 + theta2_i1 * phi1_0 and psi_ij = theta2_i1 * phi1_j (j >= 1): one
network with two hidden layers whose middle weights psi have rank one.
"""

from __future__ import annotations

import numpy as np

from reference._validate import as_float_array
from reference.shallow import relu, shallow_net

__all__ = ["compose", "composition_to_deep", "deep_net", "deep_to_layers"]


def _check_pair(theta: object, phi: object, suffix: str) -> tuple[np.ndarray, np.ndarray]:
    theta = as_float_array(f"theta{suffix}", theta, (f"D{suffix}", 2))
    phi = as_float_array(f"phi{suffix}", phi, (theta.shape[0] + 1,))
    return theta, phi


def compose(
    x: np.ndarray,
    theta1: np.ndarray,
    phi1: np.ndarray,
    theta2: np.ndarray,
    phi2: np.ndarray,
) -> np.ndarray:
    """Network 2 applied to the output of network 1.

    x: shape (N,); theta1: (D1, 2); phi1: (D1 + 1,); theta2: (D2, 2); phi2: (D2 + 1,).
    Returns y' of shape (N,).
    """
    x = as_float_array("x", x, (None,))
    theta1, phi1 = _check_pair(theta1, phi1, "1")
    theta2, phi2 = _check_pair(theta2, phi2, "2")
    return shallow_net(shallow_net(x, theta1, phi1), theta2, phi2)


def composition_to_deep(
    theta1: np.ndarray, phi1: np.ndarray, theta2: np.ndarray, phi2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two-hidden-layer network (theta, psi, phi) equal to the composition.

    theta1: (D1, 2); phi1: (D1 + 1,); theta2: (D2, 2); phi2: (D2 + 1,).
    Returns theta = theta1 of shape (D1, 2), psi of shape (D2, D1 + 1) and phi = phi2 of shape
    (D2 + 1,), all new arrays.
    """
    theta1, phi1 = _check_pair(theta1, phi1, "1")
    theta2, phi2 = _check_pair(theta2, phi2, "2")
    psi = np.empty((theta2.shape[0], theta1.shape[0] + 1))
    psi[:, 0] = theta2[:, 0] + theta2[:, 1] * phi1[0]
    psi[:, 1:] = np.outer(theta2[:, 1], phi1[1:])
    return theta1.copy(), psi, phi2.copy()


def _check_deep(
    theta: object, psi: object, phi: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    theta = as_float_array("theta", theta, ("D1", 2))
    psi = as_float_array("psi", psi, ("D2", theta.shape[0] + 1))
    phi = as_float_array("phi", phi, (psi.shape[0] + 1,))
    return theta, psi, phi


def deep_net(x: np.ndarray, theta: np.ndarray, psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Network with two hidden layers in the notes' notation.

    x: shape (N,); theta: (D1, 2); psi: (D2, D1 + 1); phi: (D2 + 1,).
    h = relu(theta[:, 0] + theta[:, 1] x) of shape (N, D1); h' = relu(psi[:, 0] + psi[:, 1:] h)
    of shape (N, D2); returns y = phi_0 + phi[1:] . h' of shape (N,).
    """
    x = as_float_array("x", x, (None,))
    theta, psi, phi = _check_deep(theta, psi, phi)
    h = relu(theta[:, 0] + np.outer(x, theta[:, 1]))
    h2 = relu(psi[:, 0] + h @ psi[:, 1:].T)
    return phi[0] + h2 @ phi[1:]


def deep_to_layers(
    theta: np.ndarray, psi: np.ndarray, phi: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The same network as a `reference.depth` layer list [(W1, b1), (W2, b2), (W3, b3)].

    theta: (D1, 2); psi: (D2, D1 + 1); phi: (D2 + 1,). W1 has shape (D1, 1), W2 (D2, D1) and
    W3 (1, D2), so ``mlp(x[:, None], layers)[:, 0] == deep_net(x, theta, psi, phi)``.
    """
    theta, psi, phi = _check_deep(theta, psi, phi)
    return [
        (theta[:, 1:2].copy(), theta[:, 0].copy()),
        (psi[:, 1:].copy(), psi[:, 0].copy()),
        (phi[None, 1:].copy(), phi[:1].copy()),
    ]
