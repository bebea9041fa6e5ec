"""What a notebook's cells need in the sandbox beyond Python: knows nothing of grading.

- :func:`cells`: the code cells of a parsed notebook, numbered as Jupyter shows them.
- :func:`defines`: whether a cell binds one of the graded names (an answer cell).
- :class:`QuietPlots`: plot cells run without matplotlib's layout, drawing or showing.
- :class:`StandIns`: IPython's display and ipywidgets as no-ops (the real ones are outside the
  sandbox's allow-list), so a cell that shows a widget still defines what it defines.
"""

from __future__ import annotations

import ast
import json
import sys
import types
import warnings

_MISSING = object()


class NoShell:
    """What ``get_ipython()`` returns here: every method (run_line_magic, system, ...) does
    nothing, as the magics and shell escapes themselves are dropped. It is false, as where
    there is no shell: pyplot, imported in a cell, leaves it alone."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None

    def __bool__(self) -> bool:  # no shell: matplotlib's pyplot hooks nothing into it
        return False


def cells(nb: dict) -> list[tuple[int, str]]:
    """(number as Jupyter shows it, source) of every code cell of a parsed notebook.

    Version 4 notebooks (what Jupyter writes) are read as plain JSON; older ones through
    nbformat's converters."""
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        import nbformat  # only for notebooks older than format 4

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(nb), as_version=4)
    out = []
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        out.append((number, "".join(map(str, src)) if isinstance(src, list) else str(src)))
    return out


def defines(tree: ast.Module, names: frozenset) -> bool:
    """Whether a cell binds any of ``names`` at its top level (def, class, =, import, also
    inside top-level if/with/try/for blocks): then it is an answer cell."""
    bound: set[str] = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                bound.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.If | ast.With | ast.Try | ast.For | ast.While):
            for field in ("body", "orelse", "finalbody", "handlers"):
                todo.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            todo.extend(node.body)
    return not names.isdisjoint(bound)


class QuietPlots:
    """While a notebook's plot cells run: layout, drawing and showing do nothing, and every
    figure is closed when the cell ends (as Jupyter's inline backend closes them). Figures are
    still made, so a cell computes, defines and raises what it would in Jupyter; nobody will
    ever see its pictures, and laying them out is most of a notebook's cost."""

    PATCHES = (
        (
            "matplotlib.figure",
            "Figure",
            ("tight_layout", "savefig", "draw", "draw_without_rendering"),
        ),
        ("matplotlib.backend_bases", "FigureCanvasBase", ("draw", "draw_idle", "print_figure")),
        ("matplotlib.pyplot", None, ("show", "pause", "savefig", "tight_layout")),
    )

    def __init__(self, lazy_ticks: bool = True) -> None:
        self.saved: list[tuple[object, str, object]] = []
        self.lazy_ticks = lazy_ticks

    def _patch(self, owner: object, attr: str, value: object) -> None:
        self.saved.append((owner, attr, owner.__dict__.get(attr, _MISSING)))
        setattr(owner, attr, value)

    def __enter__(self) -> QuietPlots:
        for module_name, owner_name, attrs in self.PATCHES:
            module = sys.modules.get(module_name)
            owner = getattr(module, owner_name, None) if owner_name else module
            if owner is None:
                continue
            for attr in attrs:
                if hasattr(owner, attr):
                    self._patch(owner, attr, _nothing)
        axis = getattr(sys.modules.get("matplotlib.axis"), "Axis", None)
        if (
            self.lazy_ticks
            and axis is not None
            and all(callable(axis.__dict__.get(name)) for name in _LazyTicks.METHODS)
        ):
            _LazyTicks.install_builder()
            for name in _LazyTicks.METHODS:
                self._patch(axis, name, _LazyTicks(axis.__dict__[name]).function(name))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, attr, value in reversed(self.saved):
            if value is _MISSING:
                delattr(owner, attr)
            else:
                setattr(owner, attr, value)
        self.saved.clear()
        close_figures()


def _nothing(*args, **kwargs) -> None:
    return None


class _LazyTicks:
    """matplotlib's tick lists are lazy, but a new Axes makes every Axis build its ticks at
    once (its ``grid`` and ``set_clip_path`` walk them), which is half of what an Axes costs.
    While a plot cell runs, these walks skip a tick list not built yet: the settings are kept
    where matplotlib keeps them for ticks still to come (the tick keywords; the clip path,
    applied when the list is built, whenever that is), so a tick built later is the tick it
    would have been."""

    METHODS = ("set_tick_params", "set_clip_path")
    LISTS = ("majorTicks", "minorTicks")
    PENDING = "_relulab_pending_clip"

    def __init__(self, original) -> None:
        self.original = original

    def function(self, name: str):
        """The method ``name`` as a plain function, to be set on the Axis class."""
        method = getattr(self, name)

        def patched(axis, *args, **kwargs):
            return method(axis, *args, **kwargs)

        return patched

    @classmethod
    def _unbuilt(cls, axis) -> list[str]:
        return [name for name in cls.LISTS if name not in axis.__dict__]

    def set_tick_params(self, axis, *args, **kwargs):
        if kwargs.get("reset") or (len(args) > 1 and args[1]):
            return self.original(axis, *args, **kwargs)
        return self._walking_built_only(axis, args, kwargs, self._unbuilt(axis))

    def set_clip_path(self, axis, *args, **kwargs):
        unbuilt = self._unbuilt(axis)
        if unbuilt:
            pending = axis.__dict__.setdefault(self.PENDING, {})
            pending.update(dict.fromkeys(unbuilt, (args, kwargs)))
        return self._walking_built_only(axis, args, kwargs, unbuilt)

    def _walking_built_only(self, axis, args, kwargs, unbuilt):
        axes = getattr(axis, "axes", None)
        if unbuilt and getattr(axes, "name", None) == "rectilinear":
            for spine in axes.spines.values():  # what building a tick does: place the spines
                if getattr(spine, "axis", None) is axis:
                    getattr(spine, "_ensure_position_is_set", _nothing)()
        for name in unbuilt:
            axis.__dict__[name] = []
        try:
            return self.original(axis, *args, **kwargs)
        finally:
            for name in unbuilt:
                if axis.__dict__.get(name) == []:
                    del axis.__dict__[name]

    @classmethod
    def install_builder(cls) -> None:
        """Make matplotlib's lazy tick list apply a clip path kept for it when it is built.
        Installed once in the process and left in place: ticks of a figure made in a plot
        cell may be built long after the cell (when it is drawn)."""
        lazy = getattr(sys.modules.get("matplotlib.axis"), "_LazyTickList", None)
        get = getattr(lazy, "__get__", None)
        if get is None or getattr(get, "_relulab", False):
            return
        pending_name, lists = cls.PENDING, cls.LISTS

        def __get__(self, instance, owner):  # noqa: N807 - the descriptor protocol's name
            ticks = get(self, instance, owner)
            if instance is not None:
                pending = instance.__dict__.get(pending_name)
                name = lists[0] if getattr(self, "_major", True) else lists[1]
                if pending and name in pending:  # kept: building may rebuild (spines do)
                    args, kwargs = pending[name]
                    for tick in ticks:
                        tick.set_clip_path(*args, **kwargs)
            return ticks

        __get__._relulab = True
        lazy.__get__ = __get__


def close_figures() -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except BaseException:  # noqa: BLE001 - the student may have replaced it
            pass


class _Anything:
    """What the stand-in IPython and ipywidgets hand out: accepts any call, attribute or
    operation and does nothing (a widget, a display handle, an output area)."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __call__(self, *args, **kwargs):
        return _Anything()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> bool:
        return False

    def __iter__(self):
        return iter(())

    def __bool__(self) -> bool:
        return False


def _interact(*args, **kwargs):
    """ipywidgets.interact as a stand-in: ``interact(f, ...)`` and ``@interact(...)`` both
    leave the function defined, as the real one does."""
    if args and callable(args[0]) and not kwargs.get("__options"):
        return args[0]
    return lambda f: f


class _Widget(_Anything):
    """A stand-in widget: keeps what it was made with (``value``, ``min``, ``options``,
    ``children``...) so that code reading it gets what it set, as with a real widget that
    nobody moves; a widget's own value defaults as ipywidgets' do. Methods (observe, on_click,
    clear_output...) do nothing, and a widget is a context manager (Output)."""

    DEFAULTS = (("Float", 0.0), ("Int", 0), ("Slider", 0), ("Checkbox", False),
                ("Toggle", False), ("Text", ""), ("Label", ""), ("HTML", ""))  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        if args and isinstance(args[0], list | tuple):
            kwargs.setdefault("children", tuple(args[0]))
        if "value" not in kwargs:
            options = kwargs.get("options")
            if options:
                first = next(iter(options.values() if isinstance(options, dict) else options))
                kwargs["value"] = first[1] if isinstance(first, tuple) else first
            else:
                name = type(self).__name__
                kwargs["value"] = next((v for part, v in self.DEFAULTS if part in name), None)
        self.__dict__.update(kwargs)

    def __bool__(self) -> bool:
        return True


def _interactive(function=None, *args, **controls):
    """ipywidgets.interactive as a stand-in: a widget holding the controls, the function not
    called (a real one draws it once, in an output area nobody sees here)."""
    values = {name: getattr(control, "value", control) for name, control in controls.items()}
    box = _widget_class("interactive")(children=tuple(controls.values()))
    box.kwargs, box.result, box.f = values, None, function
    return box


_WIDGET_CLASSES: dict[str, type] = {}


def _widget_class(name: str) -> type:
    if name not in _WIDGET_CLASSES:
        _WIDGET_CLASSES[name] = type(name, (_Widget,), {})
    return _WIDGET_CLASSES[name]


class StandIns:
    """A meta-path finder giving notebooks the display and widget modules they import (the real
    ones are not in the sandbox): every call does nothing, every name exists."""

    NAMES = ("IPython", "ipywidgets", "ipympl", "IPython.display", "IPython.core",
             "IPython.core.display", "IPython.core.getipython")  # fmt: skip

    def find_spec(self, name, path=None, target=None):
        if name not in self.NAMES:
            return None
        import importlib.machinery

        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        module = _StandInModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module) -> None:
        if module.__name__ == "ipywidgets":
            for name in ("interact", "interact_manual"):
                setattr(module, name, _interact)
            module.interactive = _interactive
        if module.__name__ in ("IPython", "IPython.core.getipython"):
            module.get_ipython = NoShell
        if module.__name__ == "IPython":  # a recent one: matplotlib then fixes nothing in it
            module.version_info, module.__version__ = (8, 24, 0, ""), "8.24.0"


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if self.__name__ == "ipywidgets" and name[:1].isupper():
            return _widget_class(name)  # FloatSlider, Output, HBox, ...
        return _Anything


__all__ = ["NoShell", "QuietPlots", "StandIns", "cells", "close_figures", "defines"]
