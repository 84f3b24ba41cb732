"""Which learner-side callables of utils/ give a graded function's answer on its hidden-test inputs.

Run by tests/utils/test_no_answers_learner_side.py, in the grading sandbox (the course read-only):

    python answer_probe.py torch OUT [--lesson NN_name ...] [--plant PACKAGE=FOLDER ...]
        Runs each lesson's setup and solution cells, then its test cells with every graded function recording the
        calls its HIDDEN tests make (arguments, torch's random state, the solution's answer; for a graded class,
        every call of its methods with the module's weights at that moment). Writes OUT/numpy_cases.pkl (the
        numpy-only functions' calls) and OUT/torch.json: the candidates, enumerated with torch, that answer the
        torch-allowed functions.
    python answer_probe.py numpy OUT [--plant ...]
        With torch unavailable as it is to numpy-only functions at grading (`import torch` gives a module that
        fails on use; torch.nn and the other submodules cannot be imported), enumerates the learner side again
        and writes OUT/numpy.json: the candidates that answer the numpy-only functions, and the modules that
        cannot be imported without torch (unreachable from them at grading).

Candidates: every function and class defined in utils/ outside utils/**/grader/ and reachable from a learner-side
module's namespace, their static and class methods, the methods of those classes that can be built with no
arguments, and the methods of the objects of such classes that a module holds. Each is called like the graded
function (positionally, and by keyword where its parameter names are the graded function's), under a time limit;
an exception is no match. A candidate matches when it gives the solution's answer on every recorded call. For a
graded class, a candidate is first called with the exercise's constructor arguments: if that gives a torch module
with the solution's parameter layout, it gets the recorded weights and is called like the solution's module.
--plant adds FOLDER to PACKAGE's path (the tests' planted learner-side modules).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import importlib
import importlib.abc
import importlib.machinery
import inspect
import io
import json
import os
import pickle
import pkgutil
import signal
import sys
import time
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.exercises import EXERCISES, TORCH

ROOT = Path(__file__).resolve().parents[1]
# The graded functions that may use torch, as the grader declares them; every other one is numpy-only.
TORCH_ALLOWED = {name for table in EXERCISES.values() for name, kind in table.items() if kind == TORCH}
CALL_SECONDS = 2.0  # CPU seconds of one candidate call; the slowest hidden-test call of a solution takes well under one
MAX_CALLS = 40  # hidden-test calls kept per graded function, the first ones (only Seq2Seq, whose methods the decoders
# call, is called more)


@dataclass
class Call:
    """One call the hidden tests made: `method` is None for a function, else the graded class's method called on
    an instance built with `constructor` and holding `state` (its state_dict then) in mode `training`."""

    args: tuple
    kwargs: dict
    answer: object
    torch_rng: object = None
    method: str | None = None
    constructor: tuple | None = None
    state: dict | None = None
    training: bool = False


@dataclass
class Graded:
    lesson: str
    name: str
    parameters: list[str]
    calls: list[Call] = field(default_factory=list)
    solution: object = None  # the source's own function or class (not pickled)


class CallTimedOut(BaseException):
    """Raised by the timer in a candidate call (a BaseException: a candidate's `except Exception` keeps it)."""


def _alarm(signum, frame):
    raise CallTimedOut()


@contextlib.contextmanager
def time_limit(cpu_seconds: float):
    """At most `cpu_seconds` of CPU (a busy machine slows a call down, not its CPU time) and ten times that of
    wall-clock time (a call that sleeps or waits)."""
    for timer, signum, seconds in TIMERS:
        signal.signal(signum, _alarm)
        signal.setitimer(timer, seconds * cpu_seconds)
    try:
        yield
    finally:
        for timer, _, _ in TIMERS:
            signal.setitimer(timer, 0)


TIMERS = ((signal.ITIMER_PROF, signal.SIGPROF, 1), (signal.ITIMER_REAL, signal.SIGALRM, 10))


# ---------------------------------------------------------------------------------------------------- recording


def snapshot(value):
    """A copy that later calls cannot change (tensors detached: deepcopy refuses non-leaf tensors)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*map(snapshot, value))
    if isinstance(value, (tuple, list)):
        return type(value)(map(snapshot, value))
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    return copy.deepcopy(value)


class Recording:
    """Calls of the graded functions, recorded while `on` (the hidden-test regions) and not inside another one."""

    def __init__(self):
        self.on = False
        self.depth = 0
        self.graded: dict[str, Graded] = {}

    def call(self, name: str, target, args, kwargs, **context):
        graded = self.graded[name]
        if not self.on or self.depth or len(graded.calls) >= MAX_CALLS:
            return target(*args, **kwargs)
        import torch

        before, rng = snapshot((args, kwargs)), torch.get_rng_state()
        self.depth += 1
        try:
            answer = target(*args, **kwargs)
        finally:
            self.depth -= 1
        graded.calls.append(Call(before[0], before[1], snapshot(answer), rng, **context))
        return answer

    def function(self, name: str, function):
        @functools.wraps(function)
        def recorded(*args, **kwargs):
            return self.call(name, function, args, kwargs)
        return recorded

    def module_class(self, name: str, cls):
        """A subclass of the graded torch module class whose instances record calls of its own methods."""
        recording = self
        methods = [m for m, v in vars(cls).items() if inspect.isfunction(v) and not m.startswith("__")]

        def init(instance, *args, **kwargs):
            cls.__init__(instance, *args, **kwargs)
            object.__setattr__(instance, "_probe_constructor", snapshot((args, kwargs)))

        def recorder(method):
            def recorded(instance, *args, **kwargs):
                target = getattr(super(subclass, instance), method)
                state = snapshot(instance.state_dict()) if recording.on and not recording.depth else None
                return recording.call(name, target, args, kwargs, method=method, training=instance.training,
                                      constructor=instance._probe_constructor, state=state)
            return recorded

        subclass = type(cls.__name__, (cls,), {"__init__": init, **{m: recorder(m) for m in methods},
                                               "__module__": cls.__module__, "__qualname__": cls.__qualname__})
        return subclass


def hidden_regions(source: str) -> list[tuple[str, bool]]:
    """A test cell's source cut into (code, is_hidden) pieces at the hidden-test markers."""
    pieces, current, hidden = [], [], False
    for line in source.splitlines(keepends=True):
        marker = line.strip()
        if marker in ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"):
            pieces.append(("".join(current), hidden))
            current, hidden = [], marker.startswith("### BEGIN")
        else:
            current.append(line)
    pieces.append(("".join(current), hidden))
    return pieces


def graded_names(notebook) -> list[str]:
    """A lesson's graded functions and classes: the solution cells that define their own grade_id (the others hold
    checkpoint answers)."""
    from autograder.notebooks import cells_by_id, solution_ids
    from autograder.verify import defined_names

    cells = cells_by_id(notebook)
    return [name for name in solution_ids(notebook) if defined_names(cells[name].source).get(name) == "function"]


def record_lesson(lesson: str) -> list[Graded]:
    """Run the lesson's setup, solution and test cells, recording the graded functions' hidden-test calls."""
    import torch
    from notebook_tools import solved_namespace  # this file's folder, tests/, is on sys.path

    from autograder.notebooks import graded_cells, read

    notebook = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    namespace = solved_namespace(notebook)
    recording = Recording()
    for name in graded_names(notebook):
        target = namespace[name]
        is_module = isinstance(target, type) and issubclass(target, torch.nn.Module)
        signature = inspect.signature(target.__init__ if is_module else target)
        parameters = [p for p in signature.parameters if p != "self"]
        recording.graded[name] = Graded(lesson, name, parameters, solution=target)
        namespace[name] = recording.module_class(name, target) if is_module else recording.function(name, target)
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
        for cell in graded_cells(notebook).values():
            for code, hidden in hidden_regions(cell.source):
                recording.on = hidden
                exec(compile(code, f"<{lesson}>", "exec"), namespace)
    recording.on = False
    for graded in recording.graded.values():
        assert graded.calls, f"{lesson}: the hidden tests never called {graded.name}"
    return list(recording.graded.values())


# ---------------------------------------------------------------------------------------------------- candidates


class TorchUnavailable(types.ModuleType):
    """What `import torch` gives a numpy-only function at grading: a module that fails on use (every attribute
    raises ImportError), whose submodules (torch.nn, ...) cannot be imported."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(f"torch.{name}: torch is unavailable to numpy-only functions at grading")


class BlockTorchSubmodules(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("torch."):
            raise ImportError(f"{fullname}: torch is unavailable to numpy-only functions at grading")
        return None


def make_torch_unavailable() -> None:
    stub = TorchUnavailable("torch")
    stub.__path__, stub.__spec__ = [], importlib.machinery.ModuleSpec("torch", None, is_package=True)
    sys.modules["torch"] = stub
    sys.meta_path.insert(0, BlockTorchSubmodules())


def learner_side(name: str) -> bool:
    return name == "utils" or (name.startswith("utils.") and "grader" not in name.split("."))


def learner_modules(plants: dict[str, str]) -> tuple[list[types.ModuleType], dict[str, str]]:
    """Every learner-side module of utils that imports, and {module: error} for those that do not."""
    import utils

    modules, failed = [utils], {}
    for package, folder in plants.items():
        assert os.listdir(folder), f"the planted folder {folder} is empty or cannot be read"
        importlib.import_module(package).__path__.append(folder)
    names = [info.name for info in pkgutil.walk_packages(utils.__path__, "utils.", onerror=lambda name: None)]
    for package in plants:  # walk_packages read the package's path before the plant was added: walk it again
        names += [info.name for info in pkgutil.walk_packages(importlib.import_module(package).__path__,
                                                              package + ".")]
    for name in sorted(set(names)):
        if not learner_side(name):
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                modules.append(importlib.import_module(name))
        except Exception as error:  # noqa: BLE001 - any failure to import makes it unreachable
            failed[name] = f"{type(error).__name__}: {str(error)[:120]}"
    return modules, failed


def candidates(modules) -> dict[str, object]:
    """{qualified name: callable} of the candidates (see the module docstring), each object once."""
    found, seen = {}, set()

    def add(name, obj):
        if id(obj) not in seen:
            seen.add(id(obj))
            found[name] = obj

    def add_methods(name, instance):
        if callable(instance):
            add(name, instance)
        for klass in type(instance).__mro__:
            if learner_side(klass.__module__):
                for attribute, raw in vars(klass).items():
                    if inspect.isfunction(raw) and not attribute.startswith("__"):
                        add(f"{name}.{attribute}", getattr(instance, attribute))

    for module in modules:
        for attribute, obj in list(vars(module).items()):
            if inspect.isfunction(obj) or inspect.isclass(obj):
                if not learner_side(obj.__module__):
                    continue
                name = f"{obj.__module__}.{obj.__qualname__}"
                add(name, obj)
                if inspect.isclass(obj):
                    for method, raw in vars(obj).items():
                        if isinstance(raw, (staticmethod, classmethod)):
                            add(f"{name}.{method}", getattr(obj, method))
                    instance = _built_without_arguments(obj)
                    if instance is not None:
                        add_methods(f"{name}()", instance)
            elif not inspect.ismodule(obj) and learner_side(type(obj).__module__):
                add_methods(f"{module.__name__}.{attribute}", obj)  # an object a module holds, e.g. a helper's instance
    return found


def _built_without_arguments(cls):
    try:
        inspect.signature(cls).bind()
    except (TypeError, ValueError):
        return None
    try:
        with quiet(), time_limit(CALL_SECONDS):
            return cls()
    except BaseException:  # noqa: BLE001 - a class that cannot be built alone offers no methods
        return None


@contextlib.contextmanager
def quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# ---------------------------------------------------------------------------------------------------- matching


def same(got, expected) -> bool:
    """Equal answers: the same structure, arrays (tensors as arrays) of one shape and np.allclose."""
    if type(expected).__module__.startswith("torch"):
        import torch

        if isinstance(expected, torch.Tensor):
            expected = expected.detach().numpy()
    if type(got).__module__.startswith("torch"):
        import torch

        if isinstance(got, torch.Tensor):
            got = got.detach().numpy()
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in got)
    if isinstance(expected, (tuple, list)) and not _numeric(expected):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(map(same, got, expected))
    if expected is None or isinstance(expected, (str, bool)):
        return type(got) is type(expected) and got == expected
    try:
        got, expected = np.asarray(got), np.asarray(expected)
        return got.shape == expected.shape and got.dtype != object and bool(np.allclose(got, expected, equal_nan=True))
    except (TypeError, ValueError):
        return False


def _numeric(value) -> bool:
    return all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value)


WAYS = ("positionally", "by name")


def arguments(candidate, graded: Graded, args: tuple, kwargs: dict, way: str):
    """(args, kwargs) for calling the candidate as the graded function was called `way`: positionally, or by the
    graded function's parameter names where the candidate has them; None if its signature does not accept them."""
    try:
        signature = inspect.signature(candidate)
    except (TypeError, ValueError):
        return (args, kwargs) if way == WAYS[0] else None
    if way == WAYS[1]:
        named = dict(zip(graded.parameters, args, strict=False)) | kwargs  # fewer args: defaults
        args, kwargs = (), {k: v for k, v in named.items() if k in signature.parameters}
        if not kwargs:
            return None
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return None
    return copy.deepcopy((args, kwargs))


def answers(candidate, graded: Graded) -> bool:
    """Whether `candidate`, called in one of the WAYS, gives the solution's answer on every recorded call."""
    check = _module_answers if graded.calls[0].method is not None else _function_answers
    return any(check(candidate, graded, way) for way in WAYS)


def _function_answers(candidate, graded: Graded, way: str) -> bool:
    for call in graded.calls:
        arguments_used = arguments(candidate, graded, call.args, call.kwargs, way)
        if arguments_used is None or not _answers_call(candidate, *arguments_used, call):
            return False
    return True


def _answers_call(function, args, kwargs, call: Call) -> bool:
    if call.torch_rng is not None:
        import torch

        torch.set_rng_state(call.torch_rng)
    try:
        with quiet(), time_limit(CALL_SECONDS):
            return same(function(*args, **kwargs), call.answer)
    except BaseException:  # noqa: BLE001 - an exception, a timeout, even SystemExit: no match
        return False
    finally:
        _close_figures()


def _module_answers(candidate, graded: Graded, way: str) -> bool:
    """A graded class: built with each call's constructor arguments, the candidate must give a torch module with
    the solution's layout that, holding the recorded weights, answers every recorded call of the methods it has,
    forward included when the hidden tests called forward."""
    import torch

    answered = set()
    for call in graded.calls:
        arguments_used = arguments(candidate, graded, *call.constructor, way)
        if arguments_used is None:
            return False
        try:
            with quiet(), time_limit(CALL_SECONDS):
                built = candidate(*arguments_used[0], **arguments_used[1])
                if not isinstance(built, torch.nn.Module) or _layout(built.state_dict()) != _layout(call.state):
                    return False
                built.to(next(v.dtype for v in call.state.values() if v.is_floating_point()))
                built.load_state_dict(call.state)
                built.train(call.training)
        except BaseException:  # noqa: BLE001
            return False
        method = getattr(built, call.method, None)
        if method is None:
            continue
        if not _answers_call(method, *copy.deepcopy((call.args, call.kwargs)), call):
            return False
        answered.add(call.method)
    wanted = {"forward"} & {call.method for call in graded.calls}
    return bool(answered) and wanted <= answered


def _layout(state: dict) -> dict:
    return {name: tuple(value.shape) for name, value in state.items()}


def _close_figures():
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def matches(found: dict[str, object], graded: list[Graded]) -> dict[str, list[str]]:
    """{lesson/function: [candidates that answer it]}."""
    return {f"{g.lesson}/{g.name}": sorted(name for name, candidate in found.items() if answers(candidate, g))
            for g in graded}


# ---------------------------------------------------------------------------------------------------- main


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("torch", "numpy"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--lesson", action="append", default=[])
    parser.add_argument("--plant", action="append", default=[])
    options = parser.parse_args(argv)
    plants = dict(p.split("=", 1) for p in options.plant)
    os.environ.setdefault("MPLBACKEND", "Agg")
    seconds, report = {}, {}  # CPU seconds of each phase, for the report
    if options.mode == "torch":
        import torch

        torch.set_num_threads(1)
        from autograder.course import lessons

        graded = [g for lesson in (options.lesson or lessons()) for g in record_lesson(lesson)]
        # The check of the check: each solution, tried as a candidate, gives its own recorded answers.
        report["solutions_answer"] = {f"{g.lesson}/{g.name}": answers(g.solution, g) for g in graded}
        numpy_only = [g for g in graded if g.name not in TORCH_ALLOWED]
        for g in numpy_only:
            g.solution = None
            for call in g.calls:
                call.torch_rng = None  # numpy-only: torch's random state plays no part, and the other side has no torch
        (options.out / "numpy_cases.pkl").write_bytes(pickle.dumps(numpy_only))
        wanted = [g for g in graded if g.name in TORCH_ALLOWED]
    else:
        make_torch_unavailable()
        wanted = pickle.loads((options.out / "numpy_cases.pkl").read_bytes())
    seconds["recording"] = time.process_time()
    modules, failed = learner_modules(plants)
    found = candidates(modules)
    seconds["candidates"] = time.process_time() - sum(seconds.values())
    report |= {"matches": matches(found, wanted), "unimportable": failed, "candidates": sorted(found)}
    seconds["matching"] = time.process_time() - sum(seconds.values())
    report["cpu_seconds"] = {phase: round(value, 1) for phase, value in seconds.items()}
    (options.out / f"{options.mode}.json").write_text(json.dumps(report, indent=1))
    sys.stdout.flush()
    os._exit(0)  # a candidate may have left threads (a widget's timer) behind


if __name__ == "__main__":
    main()
