"""Imported only by the planners' forkserver (see :mod:`autograder.planner`), before it forks any
planner: Ctrl-C is ignored from the start, by the server and by every planner it forks (the
batch's own handler decides what a Ctrl-C does; a planner it reached while starting would
otherwise die printing a traceback on the instructor's terminal)."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

import autograder.planner  # noqa: E402,F401 - the grader, imported once for every planner
