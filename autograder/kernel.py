"""nbgrader's Execute preprocessor with caps on what a notebook may print (an output flood cannot exhaust memory
nor make a feedback notebook of many megabytes)."""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import Execute
from traitlets import Integer

ERROR_TEXT_CHARS = 2_000  # per error field and traceback line: an error is kept (it fails a test), shortened


def _size(content: dict) -> int:
    return (len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
            + len(str(content.get("evalue", ""))) + sum(len(str(line)) for line in content.get("traceback", [])))


def shorten_error(content: dict) -> None:
    """Cut an error's value and traceback (in place) to a few kilobytes: its name stays, so do its last lines."""
    if "evalue" in content:
        content["evalue"] = str(content["evalue"])[:ERROR_TEXT_CHARS]
    if "traceback" in content:
        content["traceback"] = [str(line)[:ERROR_TEXT_CHARS] for line in list(content["traceback"])[-20:]]


class CappedExecute(Execute):
    """Execute, keeping at most `max_output_bytes` of output per cell and `max_notebook_output_bytes` in all; the
    rest is replaced by one notice per cell. Errors are shortened; a cell's first error is kept even over the caps."""

    max_output_bytes = Integer(1_000_000, help="output kept per cell, in bytes").tag(config=True)
    max_notebook_output_bytes = Integer(5_000_000, help="output kept per notebook, in bytes").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._notebook_output_bytes = 0
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        self._output_bytes = 0
        self._truncated = False
        return super().preprocess_cell(cell, resources, index)

    def on_cell_executed(self, **kwargs):
        shorten_error(kwargs["execute_reply"].get("content", {}))  # nbgrader may copy the reply's error into the cell
        return super().on_cell_executed(**kwargs)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        is_error = msg.get("msg_type") == "error"
        if is_error:  # kept even over the caps (the cell failed), once per cell
            shorten_error(content)
            if not any(out.get("output_type") == "error" for out in outs):
                return super().output(outs, msg, display_id, cell_index)
        size = _size(content)
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        self._notebook_output_bytes = getattr(self, "_notebook_output_bytes", 0) + size
        over_cell = self._output_bytes > self.max_output_bytes
        if over_cell or self._notebook_output_bytes > self.max_notebook_output_bytes:
            if not getattr(self, "_truncated", False):
                self._truncated = True
                what, limit = (("this cell's", self.max_output_bytes) if over_cell else
                               ("the notebook's", self.max_notebook_output_bytes))
                outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text=f"\n[output truncated: {what} output is capped at {limit} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)
