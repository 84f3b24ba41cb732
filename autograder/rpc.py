"""The data that crosses between the grader and a learner's sandboxed process: plain values only, never pickle.

Arrays and tensors travel as dtype, shape and raw bytes (numeric and bool dtypes only); Python scalars, strings,
None, lists, tuples and dicts of those travel as themselves. A numpy Generator travels as its bit generator's
state (plain data) and is rebuilt on the other side, so a lesson can hand the learner an `rng`. Anything else
stays in the learner's process and crosses as a handle that the grader can call or read attributes of.
A message is one JSON object, framed by `Channel`: a private socket per pair of processes, every frame signed
with that pair's own key and numbered, so that a forged, replayed, reordered or garbled frame is refused.
The requests are named by `Op` and the answers by `Reply`.
"""

from __future__ import annotations

import base64
import enum
import hmac
import json
import select
import socket
import sys
import time

import numpy as np

MAX_MESSAGE = 256 * 2**20
ALLOWED_KINDS = set("biufc")  # bool, int, uint, float, complex
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")  # numpy's own; their state is plain data


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class Op(enum.StrEnum):
    """What the grader asks. Of the zygote (autograder.runner.serve):"""
    PRELOAD = "preload"  # run the lesson's setup cells: {"cells": [source, ...]}
    FORK = "fork"  # start a learner process on the socket sent with this request: {"key": hex}
    KILL = "kill"  # end the current learner process now
    # of a learner process (autograder.runner.serve_learner):
    CELLS = "cells"  # run the learner's cells in order: {"cells": [source, ...]}
    GET = "get"  # a value from the learner's namespace: {"name": NAME}
    CALL = "call"  # {"target": NAME | handle, "args": [...], "kwargs": {...}}
    GETATTR = "getattr"  # {"handle": ID, "name": ATTRIBUTE}
    END = "end"  # exit


class Reply(enum.StrEnum):
    """What comes back, under the key "reply"."""
    OK = "ok"  # {"value": encoded} and, after CALL, {"changed": [argument names], "generators": [states]}
    ERROR = "error"  # {"type": NAME, "message": TEXT}: the learner's code raised
    PRELOADED = "preloaded"  # {"failed": [cell index, ...], "threads": [name, ...]}
    FORKED = "forked"  # the zygote forked: {"pid": PID}
    READY = "ready"  # a learner process's first message on its own channel
    STARTING = "starting"  # before each learner cell: {"index": I}
    CELLS_RUN = "cells_run"  # {"failed": [[index, error type, message], ...]}
    CHILD_EXIT = "child_exit"  # the zygote, once a learner process is gone and cleaned up after:
    #                            {"pid": PID, "code": exit code, "tainted": why the zygote is unfit | null}


def _array(value: np.ndarray) -> dict:
    value = np.array(value, order="C", copy=None)  # keeps 0-d arrays 0-d (ascontiguousarray would not)
    if value.dtype.kind not in ALLOWED_KINDS:
        raise TypeError(f"arrays of dtype {value.dtype} cannot be sent")
    return {"dtype": value.dtype.str, "shape": list(value.shape), "data": base64.b64encode(value.tobytes()).decode()}


def _tensor_type():
    """torch.Tensor if torch is imported here; None if not, or if it is not the real one (in a numpy-only learner
    process: the stub of autograder.no_torch, or the empty folder the sandbox leaves in its place)."""
    torch = sys.modules.get("torch")
    try:
        return None if torch is None else torch.Tensor
    except (ImportError, AttributeError):
        return None


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
    if (tensor := _tensor_type()) is not None and isinstance(value, tensor):
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


def _parse(body: bytes) -> dict:
    try:
        message = json.loads(body)
    except ValueError as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message


class Channel:
    """One end of a private message channel over a connected socket.

    A frame is `MAC SEQUENCE JSON\\n`: MAC is an HMAC-SHA256 with the key of this pair of processes over
    `SEQUENCE JSON`, and SEQUENCE counts the frames each side has sent. A frame signed with another key, out of
    sequence or garbled raises ProtocolError: nothing meant for (or forged by) another submission is accepted.
    With `accept_fds`, descriptors sent alongside (SCM_RIGHTS) are kept in `self.fds`; without it, any that a
    peer sends are closed by the kernel unread.
    """

    def __init__(self, sock: socket.socket, key: bytes, accept_fds: bool = False):
        self.sock, self.key, self.accept_fds = sock, key, accept_fds
        self.sent = self.received = 0
        self.buffer = b""
        self.fds: list[int] = []

    def _mac(self, signed: bytes) -> bytes:
        return hmac.new(self.key, signed, "sha256").hexdigest().encode()

    def send(self, message: dict, fds: list[int] = ()) -> None:
        signed = f"{self.sent} ".encode() + json.dumps(message).encode()
        frame = self._mac(signed) + b" " + signed + b"\n"
        self.sent += 1
        if fds:
            done = socket.send_fds(self.sock, [frame], list(fds))
            frame = frame[done:]
        self.sock.sendall(frame)

    def _fill(self, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_MESSAGE:
                raise ProtocolError("message too large")
            remaining = None if deadline is None else deadline - time.monotonic()
            if (remaining is not None and remaining <= 0) or not select.select([self.sock], [], [], remaining)[0]:
                raise TimeoutError
            if self.accept_fds:
                chunk, fds, _, _ = socket.recv_fds(self.sock, 1 << 20, 4)
                self.fds += fds
            else:
                chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("the other side closed the channel")
            self.buffer += chunk

    def receive(self, timeout: float | None) -> dict:
        """The next message; waits at most `timeout` seconds (None: for ever)."""
        self._fill(timeout)
        frame, self.buffer = self.buffer.split(b"\n", 1)
        mac, _, signed = frame.partition(b" ")
        if not hmac.compare_digest(mac, self._mac(signed)):
            raise ProtocolError("a message not signed with this channel's key")
        sequence, _, body = signed.partition(b" ")
        if sequence != str(self.received).encode():
            raise ProtocolError(f"message {sequence[:20]!r} out of sequence (expected {self.received})")
        self.received += 1
        return _parse(body)

    def close(self) -> None:
        self.sock.close()
