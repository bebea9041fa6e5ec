# Attack: an infinite loop in every graded function (a grader without a timeout hangs forever).


def compose(x, theta1, phi1, theta2, phi2):
    while True:
        pass


def composition_to_deep(theta1, phi1, theta2, phi2):
    n = 0
    while True:
        n += 1


def deep_net(x, theta, psi, phi):
    while x is not None:
        x = x
