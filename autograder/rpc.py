"""The data that crosses between the grader and a learner's sandboxed process: plain values only, never pickle.

Arrays and tensors travel as dtype, shape and raw bytes (numeric and bool dtypes only); Python scalars, strings,
None, lists, tuples and dicts of those travel as themselves. A numpy Generator travels as its bit generator's
state (plain data) and is rebuilt on the other side, so a lesson can hand the learner an `rng`. Anything else
stays in the learner's process and crosses as a handle that the grader can call or read attributes of.
Messages are one JSON document per line, at most MAX_MESSAGE bytes.
"""

from __future__ import annotations

import base64
import json
import os
import select
import sys
import time

import numpy as np

MAX_MESSAGE = 256 * 2**20
ALLOWED_KINDS = set("biufc")  # bool, int, uint, float, complex
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")  # numpy's own; their state is plain data


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


def _array(value: np.ndarray) -> dict:
    value = np.array(value, order="C", copy=None)  # keeps 0-d arrays 0-d (ascontiguousarray would not)
    if value.dtype.kind not in ALLOWED_KINDS:
        raise TypeError(f"arrays of dtype {value.dtype} cannot be sent")
    return {"dtype": value.dtype.str, "shape": list(value.shape), "data": base64.b64encode(value.tobytes()).decode()}


def encode(value, handles=None, reference=None):
    """A JSON-able form of `value`; objects that are not data go into `handles` (if given) as handles.

    `reference(value)` may name a handle the other side already holds (an object of its own being passed back).
    """
    if value is None or isinstance(value, (bool, str)):
        return {"t": "py", "v": value}
    if isinstance(value, int):
        return {"t": "py", "v": value} if abs(value) < 2**63 else {"t": "bigint", "v": str(value)}
    if isinstance(value, np.generic) and value.dtype.kind in ALLOWED_KINDS:
        return {"t": "npscalar", **_array(np.asarray(value))}
    if isinstance(value, float):
        return {"t": "float", "v": repr(float(value))}
    if isinstance(value, np.ndarray):
        return {"t": "ndarray", **_array(value)}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return {"t": "tensor", "grad": bool(value.requires_grad), **_array(value.detach().cpu().numpy())}
    if isinstance(value, (list, tuple)):  # subclasses (a namedtuple such as load_state_dict's result) as plain ones
        kind = "list" if isinstance(value, list) else "tuple"
        return {"t": kind, "items": [encode(item, handles, reference) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "items": [[encode(k, handles, reference), encode(v, handles, reference)]
                                       for k, v in value.items()]}
    if isinstance(value, np.random.Generator) and type(value.bit_generator).__name__ in BIT_GENERATORS:
        return {"t": "generator", "state": encode(value.bit_generator.state)}
    if reference is not None and (held := reference(value)) is not None:
        return {"t": "handle", "id": held, "type": type(value).__name__}
    if handles is not None:
        handles.append(value)
        return {"t": "handle", "id": len(handles) - 1, "type": type(value).__name__}
    raise TypeError(f"a {type(value).__name__} cannot be sent")


def _decode_array(message: dict) -> np.ndarray:
    dtype = np.dtype(message["dtype"])
    if dtype.kind not in ALLOWED_KINDS:
        raise ProtocolError(f"dtype {dtype} not allowed")
    shape = tuple(int(n) for n in message["shape"])
    data = base64.b64decode(message["data"])
    if len(data) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ProtocolError("array size does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _decode_generator(state) -> np.random.Generator:
    """A fresh Generator in `state`; only numpy's own bit generators, whose state setter validates the rest."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ProtocolError(f"not a numpy bit generator: {str(name)[:40]}")
    bit_generator = getattr(np.random, name)(0)  # seeded: no OS entropy for a state about to be replaced
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise ProtocolError(f"bad {name} state ({error})") from None
    return np.random.Generator(bit_generator)


def decode(message, make_handle=None):
    """The value an `encode` message stands for; handles become make_handle(id, type name)."""
    if not isinstance(message, dict) or "t" not in message:
        raise ProtocolError(f"not an encoded value: {str(message)[:80]}")
    kind = message["t"]
    if kind == "py":
        value = message["v"]
        if value is not None and not isinstance(value, (bool, int, str)):
            raise ProtocolError("bad scalar")
        return value
    if kind == "bigint":
        return int(message["v"])
    if kind == "float":
        return float(message["v"])
    if kind == "npscalar":
        return _decode_array(message)[()]
    if kind == "ndarray":
        return _decode_array(message)
    if kind == "tensor":
        import torch

        return torch.from_numpy(_decode_array(message)).requires_grad_(bool(message.get("grad")))
    if kind in ("list", "tuple"):
        items = [decode(item, make_handle) for item in message["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {decode(k, make_handle): decode(v, make_handle) for k, v in message["items"]}
    if kind == "generator":
        return _decode_generator(decode(message.get("state")))
    if kind == "handle" and make_handle is not None:
        return make_handle(int(message["id"]), str(message["type"]))
    raise ProtocolError(f"unknown value kind {kind!r}")


def parse(line: bytes) -> dict:
    try:
        message = json.loads(line)
    except ValueError as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message


class MessageReader:
    """Reads messages from a pipe with a timeout. It keeps its own buffer: select() on a buffered file object
    would miss a message already read into the buffer together with the previous one."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = b""

    def read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_MESSAGE:
                raise ProtocolError("message too large")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise EOFError("the other side closed the channel")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return parse(line)


def write_message(stream, message: dict) -> None:
    stream.write(json.dumps(message).encode() + b"\n")
    stream.flush()


def read_message(stream) -> dict:
    line = stream.readline(MAX_MESSAGE + 1)
    if not line:
        raise EOFError("the other side closed the channel")
    if len(line) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    return parse(line)
