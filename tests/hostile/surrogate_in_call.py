"""Hostile: every call raises an exception whose message holds lone surrogates and controls."""


def _raise(*_args):
    raise ValueError("bad \udcff text \ud800 with \x1b[31m escapes \u202e and \x00 NUL")


compose = composition_to_deep = deep_net = _raise
