"""The torch of a numpy-only learner process: a stub that imports but fails on use (installed by autograder.runner).

The sandbox hides the real installation (sandbox.bwrap_command(hide_torch=True)), so this is only the message: a
bare `import torch` at the top of a cell still runs, and any use raises TorchUnavailable, an ImportError that names
what was reached ("torch.tanh"). The grader reads that name from the error and flags the function
(autograder.verify). Names of the lesson's setup cell that need torch (e.g. a torch twin module) are bound to
stubs too, so using them says the same instead of a NameError.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

PACKAGES = ("torch", "functorch", "torchgen")
MESSAGE = "torch is not available to numpy-only exercises"


class TorchUnavailable(ImportError):
    """Raised by any use of torch (or of what needs it) in a numpy-only learner process."""


class Stub(types.ModuleType):
    """A module whose every attribute (but the dunders the import system and tools probe) raises TorchUnavailable."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__") and name != "__version__":
            raise AttributeError(name)
        raise TorchUnavailable(f"{MESSAGE} ({self.__name__}.{name})")

    def __call__(self, *args, **kwargs):
        raise TorchUnavailable(f"{MESSAGE} ({self.__name__}(...))")


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves a Stub for torch and every torch.* submodule (and torch's sibling packages)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return Stub(spec.name)

    def exec_module(self, module):
        module.__path__ = []


def install() -> None:
    """Before any other import: torch (already imported or not) is the stub from now on."""
    for name in [n for n in sys.modules if n.split(".")[0] in PACKAGES]:
        del sys.modules[name]
    sys.meta_path.insert(0, StubFinder())
