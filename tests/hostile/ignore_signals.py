# Attack: ignores or catches SIGTERM, SIGINT, SIGALRM, SIGXCPU and SIGHUP, then spins forever.
import signal

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU, signal.SIGHUP):
    try:
        signal.signal(_sig, signal.SIG_IGN)
    except (OSError, ValueError):
        pass


def compose(x, theta1, phi1, theta2, phi2):
    while True:
        try:
            while True:
                pass
        except BaseException:  # noqa: BLE001 - swallows KeyboardInterrupt and friends
            continue


def composition_to_deep(theta1, phi1, theta2, phi2):
    signal.alarm(0)
    while True:
        pass


def deep_net(x, theta, psi, phi):
    signal.signal(signal.SIGXCPU, lambda *a: None)
    while True:
        pass
