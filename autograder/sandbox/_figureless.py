"""Plot cells without matplotlib, until matplotlib is needed: knows nothing of grading.

A notebook's plot cells (the cells that define no graded name) draw pictures that nobody will
see, and importing matplotlib costs more than the rest of a notebook's run. While such a cell
runs, ``matplotlib`` and ``matplotlib.pyplot`` are stand-ins here, and the figures, axes and
artists they hand out are *phantoms* that only record what was asked of them.

A stand-in answers only calls it can vouch for: arguments of exactly the types and values for
which matplotlib neither raises nor warns (1-D real data of equal lengths, known colours, format
strings, line styles...), with a result of the structure matplotlib's has (a figure and an
array of axes of the right shape, a list of one line). Anything else goes real:

- an unknown name or argument, reading something back, printing a phantom, an import of another
  part of matplotlib, any use of a stand-in outside a plot cell (an answer cell, a graded
  function that plots inside);
- matplotlib is imported then, every recorded call is replayed on it in order, each phantom is
  bound to the object its call made, and from then on phantoms and stand-ins pass everything to
  those objects (under :class:`_nbruntime.QuietPlots` while a plot cell runs).

So a cell raises and warns what, and where, it would with matplotlib, and code that uses
matplotlib gets the real one. What stays different: ``type()`` of a phantom is not the class of
what it stands for (``isinstance`` is answered for the real object), and a NumPy array handed to
a recorded call and changed in place before the replay is replayed as it is then.

Use: :class:`Finder` first on ``sys.meta_path`` for the whole notebook, :func:`plot_cell`
around every plot cell. One notebook per process (the state is this module's).
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import math
import re
import sys
import types

import numpy as np

try:  # in the sandbox's zygote this folder's modules are top-level ones
    from . import _nbruntime
except ImportError:
    import _nbruntime

STANDS_IN_FOR = ("matplotlib", "matplotlib.pyplot")
ROOTS = frozenset({"matplotlib", "mpl_toolkits", "pylab"})
_UNBOUND = object()
_NO = object()  # what a model returns when it cannot vouch for a call


class _State:
    def __init__(self) -> None:
        self.active = False  # a plot cell is running with the stand-ins
        self.real = False  # matplotlib was needed: everything goes to it from now on
        self.log: list[tuple] = []  # (target, name, args, kwargs, result) of every vouched call
        self.open: list[Figure] = []  # phantom figures not closed, oldest first
        self.current: Figure | None = None  # where pyplot's own calls go
        self.saved: dict[str, object] = {}  # what the stand-ins replaced in sys.modules
        self.quiet: _nbruntime.QuietPlots | None = None  # while a plot cell runs, once real
        self.plt: types.ModuleType | None = None  # the real pyplot, once real
        self.replay_errors: list[str] = []


S = _State()


def reset() -> None:
    """Forget every phantom and recording (a new notebook in this process)."""
    global S
    if S.active:
        end_cell()
    S = _State()


# --- going real ---------------------------------------------------------------------------


def go_real() -> None:
    """Import matplotlib, replay what was recorded, bind every phantom: once."""
    if S.real:
        return
    S.real = True
    _restore_modules()
    import matplotlib.pyplot as plt

    S.plt = plt
    if S.active and S.quiet is None:
        S.quiet = _nbruntime.QuietPlots()
        S.quiet.__enter__()
    before = plt.gcf() if plt.get_fignums() else None
    log, S.log = S.log, []
    for target, name, args, kwargs, result in log:
        try:
            made = getattr(_real_of(target), name)(*_resolve(args), **_resolve(kwargs))
        except Exception as exc:  # noqa: BLE001 - a model that vouched for too much
            S.replay_errors.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        _bind(result, made)
    now = S.current if S.current is not None and S.current in S.open else None
    target = _bound(now) if now is not None else before
    if target is not None and getattr(getattr(target, "canvas", None), "manager", None):
        plt.figure(target)
    if S.replay_errors:
        print(f"relulab: a recorded plot call failed on replay: {S.replay_errors[0]}",
              file=sys.stderr)  # fmt: skip


def _bound(p: Phantom) -> object:
    real = object.__getattribute__(p, "_phantom_of")
    return None if real is _UNBOUND else real


def _real_of(target: object) -> object:
    go_real()
    if type(target) is str:  # "pyplot"
        if S.plt is None:  # its import failed (and said why, where it was first needed)
            raise ImportError("matplotlib could not be imported")
        return S.plt
    if type(target) is _StandInModule:
        return importlib.import_module(target.__name__)
    real = object.__getattribute__(target, "_phantom_of")
    if real is _UNBOUND:
        raise RuntimeError("relulab could not replay the plot this object came from")
    return real


def _bind(result: object, made: object) -> None:
    if issubclass(type(result), Phantom):
        object.__setattr__(result, "_phantom_of", made)
    elif type(result) in (list, tuple) and type(made) in (list, tuple):
        for r, m in zip(result, made, strict=False):
            _bind(r, m)
    elif type(result) is np.ndarray and type(made) is np.ndarray:
        for r, m in zip(result.flat, made.flat, strict=False):
            _bind(r, m)


def _has_phantom(x: object) -> bool:
    t = type(x)
    if issubclass(t, Phantom) or t is _StandInModule:
        return True
    if t in (list, tuple):
        return any(_has_phantom(v) for v in x)
    if t is dict:
        return any(_has_phantom(v) for v in x.values())
    return False


def _resolve(x):
    """``x`` with every phantom in it (in lists, tuples and dicts too) the real object."""
    if not _has_phantom(x):
        return x
    if issubclass(type(x), Phantom) or type(x) is _StandInModule:
        return _real_of(x)
    if type(x) is dict:
        return {k: _resolve(v) for k, v in x.items()}
    return type(x)(_resolve(v) for v in x)


def _forward(value: object) -> object:
    """A real attribute as handed to the student: functions take phantoms as arguments."""
    if type(value) in (types.FunctionType, types.MethodType):

        @functools.wraps(value)
        def call(*args, **kwargs):
            return value(*_resolve(args), **_resolve(kwargs))

        return call
    return value


def _call_real(target: object, name: str, args: tuple, kwargs: dict):
    return getattr(_real_of(target), name)(*_resolve(args), **_resolve(kwargs))


def _record(target: object, name: str, args: tuple, kwargs: dict, result):
    """Keep a vouched call for the replay (lists copied: the caller may change them later)."""
    copy = [list(a) if type(a) is list else a for a in args]
    kw = {k: list(v) if type(v) is list else v for k, v in kwargs.items()}
    S.log.append((target, name, tuple(copy), kw, result))
    return result


def _modelled(model):
    """A method or function that answers with ``model`` while it can vouch, else for real."""
    name = model.__name__

    if model.__code__.co_varnames[:1] == ("self",):

        @functools.wraps(model)
        def method(self, *args, **kwargs):
            if S.active and not S.real:
                answer = model(self, *args, **kwargs)
                if answer is not _NO:
                    return answer
            return _call_real(self, name, args, kwargs)

        return method

    @functools.wraps(model)
    def function(*args, **kwargs):
        if S.active and not S.real:
            answer = model(*args, **kwargs)
            if answer is not _NO:
                return answer
        return _call_real("pyplot", name, args, kwargs)

    return function


# --- what a stand-in vouches for ------------------------------------------------------------

_NUMPY_REALS = frozenset({np.float16, np.float32, np.float64, np.int8, np.int16, np.int32,
                          np.int64, np.uint8, np.uint16, np.uint32, np.uint64})  # fmt: skip


def _number(x: object) -> bool:
    """A real number of a built-in or NumPy type (bool excluded), NaN and inf allowed."""
    t = type(x)
    if t is int:
        return abs(x) <= 2**53
    return t is float or t in _NUMPY_REALS


def _finite(x: object) -> bool:
    return _number(x) and math.isfinite(x)


def _nonneg(x: object) -> bool:
    return _finite(x) and x >= 0


def _positive(x: object) -> bool:
    return _finite(x) and x > 0


def _fraction(x: object) -> bool:
    return _finite(x) and 0 <= x <= 1


def _text(x: object) -> bool:
    return type(x) is str


def _label(x: object) -> bool:
    return x is None or type(x) is str


def _boolean(x: object) -> bool:
    return type(x) is bool


def _data(x: object) -> int:
    """The length of 1-D real data (an array or a list or tuple of numbers), else -1."""
    t = type(x)
    if t is np.ndarray:
        ok = x.ndim == 1 and x.dtype.kind in "iuf" and x.dtype.itemsize <= 8
        return x.shape[0] if ok else -1
    if t is list or t is tuple:
        return len(x) if all(_number(v) for v in x) else -1
    return -1


def _pair(x: object) -> bool:
    """Axis limits: two different finite numbers."""
    return type(x) in (tuple, list) and len(x) == 2 and all(map(_finite, x)) and x[0] != x[1]


NAMED_COLOURS = frozenset(
    "b g r c m y k w black white grey gray red green blue orange purple brown pink olive cyan "
    "magenta yellow navy teal gold silver crimson darkgrey darkgray lightgrey lightgray dimgrey "
    "dimgray darkblue darkred darkgreen darkorange lightblue tab:blue tab:orange tab:green "
    "tab:red tab:purple tab:brown tab:pink tab:gray tab:grey tab:olive tab:cyan".split()
)
_COLOUR = re.compile(r"C[0-9]|#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?|0(?:\.[0-9]{1,6})?|1(?:\.0{1,6})?")


def _colour(x: object) -> bool:
    if type(x) is str:
        return x in NAMED_COLOURS or _COLOUR.fullmatch(x) is not None
    return type(x) is tuple and len(x) in (3, 4) and all(map(_fraction, x))


LINE_STYLES = frozenset({"-", "--", "-.", ":", "solid", "dashed", "dashdot", "dotted"})
MARKERS = frozenset(".,ov^<>12348spP*hH+xXDd|_")
FONT_SIZES = frozenset({"xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large"})
LEGEND_PLACES = frozenset({"best", "upper right", "upper left", "lower left", "lower right",
                           "right", "center left", "center right", "lower center",
                           "upper center", "center"})  # fmt: skip


def _font_size(x: object) -> bool:
    return _positive(x) or (type(x) is str and x in FONT_SIZES)


def _one_of(*options: str):
    allowed = frozenset(options)
    return lambda x: type(x) is str and x in allowed


def _transform(x: object) -> bool:
    return type(x) is Transform


LINE = {"color": _colour, "c": _colour, "label": _label, "lw": _nonneg, "linewidth": _nonneg,
        "ls": LINE_STYLES.__contains__, "linestyle": LINE_STYLES.__contains__,
        "marker": MARKERS.__contains__, "ms": _nonneg, "markersize": _nonneg, "mew": _nonneg,
        "markeredgewidth": _nonneg, "alpha": _fraction, "zorder": _finite}  # fmt: skip
SPAN = {"color": _colour, "label": _label, "lw": _nonneg, "linewidth": _nonneg,
        "alpha": _fraction, "zorder": _finite}  # fmt: skip
TEXT = {"color": _colour, "ha": _one_of("center", "left", "right"),
        "horizontalalignment": _one_of("center", "left", "right"),
        "va": _one_of("center", "top", "bottom", "baseline", "center_baseline"),
        "verticalalignment": _one_of("center", "top", "bottom", "baseline", "center_baseline"),
        "fontsize": _font_size, "size": _font_size, "rotation": _finite, "alpha": _fraction,
        "zorder": _finite, "transform": _transform}  # fmt: skip
LABEL = {"color": _colour, "fontsize": _font_size, "size": _font_size}
ALIASES = (("color", "c"), ("lw", "linewidth"), ("ls", "linestyle"), ("ms", "markersize"),
           ("mew", "markeredgewidth"), ("ha", "horizontalalignment"),
           ("va", "verticalalignment"), ("fontsize", "size"))  # fmt: skip
_CANONICAL = {"c": "color", "lw": "linewidth", "ls": "linestyle", "ms": "markersize",
              "mew": "markeredgewidth"}  # fmt: skip


def _kwargs(kwargs: dict, allowed: dict) -> bool:
    """Every keyword known with a value it accepts, no property given twice under two names."""
    for key, value in kwargs.items():
        check = allowed.get(key)
        if check is None or not check(value):
            return False
    return not any(a in kwargs and b in kwargs for a, b in ALIASES)


def format_string(fmt: object) -> dict | None:
    """What a plot format string sets, as matplotlib reads it ({"color"/"marker"/"linestyle":
    the part}); None for a string it would reject (or one not vouched for here)."""
    if type(fmt) is not str or not fmt:
        return None
    found: dict[str, str] = {}
    i = 0
    while i < len(fmt):
        two = fmt[i : i + 2]
        if two in ("--", "-."):
            kind, part, i = "linestyle", two, i + 2
        elif fmt[i] in "-:":
            kind, part, i = "linestyle", fmt[i], i + 1
        elif fmt[i] == "C" and i + 1 < len(fmt) and fmt[i + 1].isdigit():
            if fmt[i + 2 : i + 3].isdigit():
                return None  # "C11" alone is a colour to matplotlib, "C1" and "1" in a longer one
            kind, part, i = "color", two, i + 2
        elif fmt[i] in "bgrcmykw":
            kind, part, i = "color", fmt[i], i + 1
        elif fmt[i] in MARKERS:
            kind, part, i = "marker", fmt[i], i + 1
        else:
            return None
        if kind in found:
            return None
        found[kind] = part
    return found


_SETTABLE = {"title": _text, "xlabel": _text, "ylabel": _text, "xlim": _pair, "ylim": _pair}
_LEGEND = {"loc": LEGEND_PLACES.__contains__, "fontsize": _font_size, "frameon": _boolean,
          "title": _text, "framealpha": _fraction}  # fmt: skip


def _labelled(label: object) -> bool:
    return type(label) is str and label != "" and not label.startswith("_")


# --- phantoms -------------------------------------------------------------------------------


class Phantom:
    """What a stand-in hands out: answers what it models, goes real for anything else."""

    __slots__ = ("_phantom_of", "__weakref__")

    def __init__(self) -> None:
        object.__setattr__(self, "_phantom_of", _UNBOUND)

    def __getattr__(self, name: str):
        return _forward(getattr(_real_of(self), name))

    def __setattr__(self, name: str, value: object) -> None:
        setattr(_real_of(self), name, _resolve(value))

    def __delattr__(self, name: str) -> None:
        delattr(_real_of(self), name)

    @property
    def __class__(self):  # isinstance() asks this when the type itself does not match
        return type(_real_of(self))

    def __dir__(self):
        return dir(_real_of(self))

    def __repr__(self) -> str:
        return repr(_real_of(self))

    def __str__(self) -> str:
        return str(_real_of(self))

    def __format__(self, spec: str) -> str:
        return format(_real_of(self), spec)

    def __bool__(self) -> bool:
        return bool(_real_of(self))

    def __len__(self) -> int:
        return len(_real_of(self))

    def __iter__(self):
        return iter(_real_of(self))

    def __getitem__(self, key):
        return _real_of(self)[_resolve(key)]

    def __setitem__(self, key, value) -> None:
        _real_of(self)[_resolve(key)] = _resolve(value)

    def __contains__(self, item) -> bool:
        return _resolve(item) in _real_of(self)

    def __call__(self, *args, **kwargs):
        return _real_of(self)(*_resolve(args), **_resolve(kwargs))

    def __enter__(self):
        return _real_of(self).__enter__()

    def __exit__(self, *exc):
        return _real_of(self).__exit__(*exc)

    def __reduce_ex__(self, protocol):
        return _real_of(self).__reduce_ex__(protocol)


def _value_operator(name: str):
    def operator(self, *args):
        return getattr(_real_of(self), name)(*_resolve(args))

    operator.__name__ = name
    return operator


class Value(Phantom):
    """A value matplotlib returns (limits set, the setters' results): any use goes real."""

    __slots__ = ()

    def __eq__(self, other):
        return _real_of(self) == _resolve(other)

    def __ne__(self, other):
        return _real_of(self) != _resolve(other)

    def __hash__(self) -> int:
        return hash(_real_of(self))


for _name in ("__lt__", "__le__", "__gt__", "__ge__", "__add__", "__radd__", "__sub__",
              "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__neg__",
              "__abs__", "__float__", "__int__", "__index__"):  # fmt: skip
    setattr(Value, _name, _value_operator(_name))


class Transform(Phantom):
    __slots__ = ()


class Artist(Phantom):
    """A line, patch, text or legend."""

    __slots__ = ()

    @_modelled
    def set_gid(self, *args, **kwargs):
        if kwargs or len(args) != 1 or not _label(args[0]):
            return _NO
        return _record(self, "set_gid", args, kwargs, None)

    @_modelled
    def set_visible(self, *args, **kwargs):
        if kwargs or len(args) != 1 or not _boolean(args[0]):
            return _NO
        return _record(self, "set_visible", args, kwargs, None)


class Axes(Phantom):
    __slots__ = ("_phantom_info",)

    def __init__(self, figure: Figure) -> None:
        super().__init__()
        # the figure; how many artists have a legend label; texts and transforms handed out
        object.__setattr__(self, "_phantom_info", {"figure": figure, "labelled": 0, "cached": {}})

    def _ph_once(self, key: str, kind: type) -> Phantom:
        cached = object.__getattribute__(self, "_phantom_info")["cached"]
        if key not in cached:
            cached[key] = kind()
        return cached[key]

    def _ph_labels(self, label: object) -> None:
        if _labelled(label):
            object.__getattribute__(self, "_phantom_info")["labelled"] += 1

    @_modelled
    def plot(self, *args, **kwargs):
        if not _kwargs(kwargs, LINE):
            return _NO
        data = args
        if args and type(args[-1]) is str:
            parts = format_string(args[-1])
            if parts is None or any(
                _CANONICAL.get(k, k) in parts for k in kwargs if k != "label"
            ):  # a property in both: matplotlib warns
                return _NO
            data = args[:-1]
        lengths = [_data(d) for d in data]
        if not 1 <= len(data) <= 2 or min(lengths) < 0 or len(set(lengths)) != 1:
            return _NO
        self._ph_labels(kwargs.get("label"))
        return _record(self, "plot", args, kwargs, [Artist()])

    def _ph_line_across(self, name: str, args: tuple, kwargs: dict):
        if len(args) > 3 or not all(map(_finite, args)) or not _kwargs(kwargs, LINE):
            return _NO
        if len(args) > 1 and not all(map(_fraction, args[1:])):
            return _NO
        self._ph_labels(kwargs.get("label"))
        return _record(self, name, args, kwargs, Artist())

    @_modelled
    def axhline(self, *args, **kwargs):
        return self._ph_line_across("axhline", args, kwargs)

    @_modelled
    def axvline(self, *args, **kwargs):
        return self._ph_line_across("axvline", args, kwargs)

    def _ph_span(self, name: str, args: tuple, kwargs: dict):
        if len(args) != 2 or not all(map(_finite, args)) or not _kwargs(kwargs, SPAN):
            return _NO
        self._ph_labels(kwargs.get("label"))
        return _record(self, name, args, kwargs, Artist())

    @_modelled
    def axhspan(self, *args, **kwargs):
        return self._ph_span("axhspan", args, kwargs)

    @_modelled
    def axvspan(self, *args, **kwargs):
        return self._ph_span("axvspan", args, kwargs)

    @_modelled
    def text(self, *args, **kwargs):
        if len(args) != 3 or not (_finite(args[0]) and _finite(args[1]) and _text(args[2])):
            return _NO
        if not _kwargs(kwargs, TEXT):
            return _NO
        return _record(self, "text", args, kwargs, Artist())

    def _ph_transform(self, name: str, args: tuple, kwargs: dict):
        if kwargs or args not in ((), ("grid",)):
            return _NO
        return _record(self, name, args, kwargs, self._ph_once(name, Transform))

    @_modelled
    def get_xaxis_transform(self, *args, **kwargs):
        return self._ph_transform("get_xaxis_transform", args, kwargs)

    @_modelled
    def get_yaxis_transform(self, *args, **kwargs):
        return self._ph_transform("get_yaxis_transform", args, kwargs)

    def _ph_label_text(self, name: str, key: str, args: tuple, kwargs: dict):
        if len(args) != 1 or not _text(args[0]):
            return _NO
        loc = kwargs.get("loc", "center") if name == "set_title" else "center"
        rest = {k: v for k, v in kwargs.items() if not (k == "loc" and name == "set_title")}
        if loc not in ("center", "left", "right") or not _kwargs(rest, LABEL):
            return _NO
        if loc != "center" and type(loc) is str:
            key = f"{key} {loc}"
        return _record(self, name, args, kwargs, self._ph_once(key, Artist))

    @_modelled
    def set_title(self, *args, **kwargs):
        return self._ph_label_text("set_title", "title", args, kwargs)

    @_modelled
    def set_xlabel(self, *args, **kwargs):
        return self._ph_label_text("set_xlabel", "xlabel", args, kwargs)

    @_modelled
    def set_ylabel(self, *args, **kwargs):
        return self._ph_label_text("set_ylabel", "ylabel", args, kwargs)

    def _ph_limits(self, name: str, args: tuple, kwargs: dict):
        if kwargs or not (_pair(args) or (len(args) == 1 and _pair(args[0]))):
            return _NO
        return _record(self, name, args, kwargs, Value())

    @_modelled
    def set_xlim(self, *args, **kwargs):
        return self._ph_limits("set_xlim", args, kwargs)

    @_modelled
    def set_ylim(self, *args, **kwargs):
        return self._ph_limits("set_ylim", args, kwargs)

    @_modelled
    def set(self, *args, **kwargs):
        if args or not _kwargs(kwargs, _SETTABLE):
            return _NO
        return _record(self, "set", args, kwargs, Value())

    @_modelled
    def legend(self, *args, **kwargs):
        if args or not _kwargs(kwargs, _LEGEND):
            return _NO
        if not object.__getattribute__(self, "_phantom_info")["labelled"]:
            return _NO  # matplotlib warns: no artists with labels
        return _record(self, "legend", args, kwargs, Artist())


class Figure(Phantom):
    __slots__ = ("_phantom_axes",)

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "_phantom_axes", [])  # its phantom axes, in the order made

    def _ph_add_axes(self) -> Axes:
        ax = Axes(self)
        object.__getattribute__(self, "_phantom_axes").append(ax)
        return ax

    def _ph_quietly(name: str):
        """Figure.tight_layout, savefig, draw: nothing in a plot cell (QuietPlots)."""

        def method(self, *args, **kwargs):
            if S.active and not S.real:
                return None
            return _call_real(self, name, args, kwargs)

        method.__name__ = name
        return method

    tight_layout, savefig, draw = map(_ph_quietly, ("tight_layout", "savefig", "draw"))

    @_modelled
    def add_subplot(self, *args, **kwargs):
        if kwargs:
            return _NO
        if len(args) == 1 and type(args[0]) is int and 111 <= args[0] <= 999:
            args3 = tuple(int(d) for d in str(args[0]))
        else:
            args3 = args
        if args3 and not (
            len(args3) == 3
            and all(type(a) is int for a in args3)
            and args3[0] >= 1
            and args3[1] >= 1
            and 1 <= args3[2] <= args3[0] * args3[1]
        ):
            return _NO
        return _record(self, "add_subplot", args, kwargs, self._ph_add_axes())

    @_modelled
    def suptitle(self, *args, **kwargs):
        if len(args) != 1 or not _text(args[0]) or not _kwargs(kwargs, LABEL):
            return _NO
        cached = object.__getattribute__(self, "_phantom_axes")
        title = next((a for a in cached if type(a) is Artist), None)
        if title is None:
            title = Artist()
            cached.append(title)  # kept beside the axes: suptitle returns the same text
        return _record(self, "suptitle", args, kwargs, title)


# --- the stand-in modules -------------------------------------------------------------------


class _StandInModule(types.ModuleType):
    """``matplotlib`` or ``matplotlib.pyplot`` while a plot cell runs (and after: it is what
    the student's names are bound to). What it does not model comes from the real module."""

    def __getattr__(self, name: str):
        if name == "__path__":  # the import system asks this of every module it imports from
            raise AttributeError(name)
        real = importlib.import_module(self.__name__) if S.real else None
        if real is None:
            go_real()
            real = importlib.import_module(self.__name__)
        if name == "__all__":  # a star import: without it Python takes the public names here
            for key, value in vars(real).items():
                if not key.startswith("_") and key not in self.__dict__:
                    self.__dict__[key] = _forward(value)
        value = getattr(real, name)
        if name.startswith("__") and name.endswith("__"):
            return value
        return _forward(value)


def _new_figure() -> Figure:
    fig = Figure()
    S.open.append(fig)
    S.current = fig
    return fig


def _current_axes() -> Axes:
    """pyplot's current axes (gca): the last made of the current figure, one made if none."""
    fig = S.current if S.current in S.open else None
    if fig is None:
        _record("pyplot", "figure", (), {}, fig := _new_figure())
    axes = [a for a in object.__getattribute__(fig, "_phantom_axes") if type(a) is Axes]
    if axes:
        return axes[-1]
    return _record(fig, "add_subplot", (), {}, fig._ph_add_axes())


SHARE = ("all", "none", "row", "col")


@_modelled
def subplots(*args, **kwargs):
    if len(args) > 2:
        return _NO
    named = dict(zip(("nrows", "ncols"), args, strict=False))
    if set(named) & set(kwargs):
        return _NO
    options = {**named, **kwargs}
    nrows, ncols = options.pop("nrows", 1), options.pop("ncols", 1)
    if not all(type(n) is int and 1 <= n <= 64 for n in (nrows, ncols)):
        return _NO
    squeeze = options.pop("squeeze", True)
    for name in ("sharex", "sharey"):
        share = options.pop(name, False)
        if not (type(share) is bool or (type(share) is str and share in SHARE)):
            return _NO
    figsize = options.pop("figsize", None)
    if options or type(squeeze) is not bool:
        return _NO
    if figsize is not None and not (
        type(figsize) in (tuple, list) and len(figsize) == 2 and all(map(_positive, figsize))
    ):
        return _NO
    fig = _new_figure()
    grid = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            grid[i, j] = fig._ph_add_axes()
    if squeeze and nrows == ncols == 1:
        axes = grid[0, 0]
    elif squeeze and (nrows == 1 or ncols == 1):
        axes = grid.reshape(-1)
    else:
        axes = grid
    return _record("pyplot", "subplots", args, kwargs, (fig, axes))


@_modelled
def figure(*args, **kwargs):
    figsize = kwargs.get("figsize")
    if args or set(kwargs) - {"figsize"}:
        return _NO
    if "figsize" in kwargs and not (
        type(figsize) in (tuple, list) and len(figsize) == 2 and all(map(_positive, figsize))
    ):
        return _NO
    return _record("pyplot", "figure", args, kwargs, _new_figure())


def _closed(figures: list[Figure]) -> None:
    for fig in figures:
        if fig in S.open:
            S.open.remove(fig)
            _record("pyplot", "close", (fig,), {}, None)
    if S.current not in S.open:
        S.current = S.open[-1] if S.open else None


@_modelled
def close(*args, **kwargs):
    if kwargs or len(args) > 1:
        return _NO
    which = args[0] if args else None
    if which is None:
        _closed([S.current] if S.current in S.open else [])
    elif type(which) is str and which == "all":
        _closed(list(S.open))
    elif type(which) is Figure:
        _closed([which])
    else:
        return _NO
    return None


@_modelled
def gcf(*args, **kwargs):
    if args or kwargs:
        return _NO
    if S.current in S.open:
        return S.current
    return _record("pyplot", "figure", (), {}, _new_figure())


@_modelled
def gca(*args, **kwargs):
    if args or kwargs:
        return _NO
    return _current_axes()


def _on_current_axes(name: str, method: str):
    def model(*args, **kwargs):
        if not (S.active and not S.real):
            return _call_real("pyplot", name, args, kwargs)
        # pyplot makes the current axes first, whether the call then succeeds or not
        answer = getattr(Axes, method).__wrapped__(_current_axes(), *args, **kwargs)
        if answer is _NO:
            return _call_real("pyplot", name, args, kwargs)
        return answer

    model.__name__ = name
    return model


def _nothing_here(name: str):
    """pyplot.show, tight_layout...: nothing in a plot cell (QuietPlots), real elsewhere."""

    def model(*args, **kwargs):
        if S.active and not S.real:
            return None
        return _call_real("pyplot", name, args, kwargs)

    model.__name__ = name
    return model


def _pyplot_module() -> _StandInModule:
    module = _StandInModule("matplotlib.pyplot")
    for fn in (subplots, figure, close, gcf, gca):
        setattr(module, fn.__name__, fn)
    for name, method in (("plot", "plot"), ("title", "set_title"), ("xlabel", "set_xlabel"),
                         ("ylabel", "set_ylabel"), ("legend", "legend"), ("axhline", "axhline"),
                         ("axvline", "axvline"), ("xlim", "set_xlim"),
                         ("ylim", "set_ylim")):  # fmt: skip
        setattr(module, name, _on_current_axes(name, method))
    for name in ("show", "tight_layout", "savefig", "pause", "draw"):
        setattr(module, name, _nothing_here(name))
    return module


_MODULES: dict[str, _StandInModule] = {}


def stand_ins() -> dict[str, _StandInModule]:
    if not _MODULES:
        pyplot = _pyplot_module()
        package = _StandInModule("matplotlib")
        package.__path__ = []
        package.pyplot = pyplot
        _MODULES.update({"matplotlib": package, "matplotlib.pyplot": pyplot})
    return _MODULES


def _restore_modules() -> None:
    mine = stand_ins()
    for name in STANDS_IN_FOR:
        if sys.modules.get(name) is mine[name]:
            del sys.modules[name]
        if name in S.saved:
            sys.modules[name] = S.saved.pop(name)
    S.saved.clear()


# --- cells and imports ----------------------------------------------------------------------


def _pyplot_imported() -> bool:
    module = sys.modules.get("matplotlib.pyplot")
    return module is not None and type(module) is not _StandInModule


def start_cell() -> None:
    """A plot cell begins: the stand-ins in, unless matplotlib has been needed already; and
    where matplotlib is imported (ahead, or by a cell), QuietPlots for what reaches it."""
    S.active = True
    if S.real or _pyplot_imported():
        S.quiet = _nbruntime.QuietPlots()
        S.quiet.__enter__()
    if S.real:
        return
    mine = stand_ins()
    for name in STANDS_IN_FOR:
        if name in sys.modules and sys.modules[name] is not mine[name]:
            S.saved[name] = sys.modules[name]
        sys.modules[name] = mine[name]


def end_cell() -> None:
    """The plot cell ended: its figures closed (as Jupyter's inline backend closes them)."""
    if not S.real:
        _closed(list(S.open))
        _restore_modules()  # first: QuietPlots closes figures through pyplot, the real one
    S.active = False
    if S.quiet is not None:
        quiet, S.quiet = S.quiet, None
        quiet.__exit__(None, None, None)


class plot_cell:
    """``with plot_cell(): exec(cell)``: :func:`start_cell` and :func:`end_cell`."""

    def __enter__(self) -> plot_cell:
        start_cell()
        return self

    def __exit__(self, *exc: object) -> None:
        end_cell()


class _AlreadyLoaded:
    """The loader of a module that going real imported while the import system looked for it."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module, self.spec = module, module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        module.__spec__ = self.spec


class Finder:
    """First on ``sys.meta_path``: while a plot cell runs on the stand-ins, the import of any
    other part of matplotlib makes it go real and hands over the real module."""

    def find_spec(self, name: str, path=None, target=None):
        if not S.active or S.real or name.partition(".")[0] not in ROOTS:
            return None
        go_real()
        module = importlib.import_module(name)
        loader = _AlreadyLoaded(module)
        # the import system would load a module found in sys.modules again from its own spec
        module.__spec__ = None
        return importlib.machinery.ModuleSpec(name, loader)


__all__ = ["Finder", "format_string", "go_real", "plot_cell", "reset", "stand_ins"]
