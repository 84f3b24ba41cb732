"""nbgrader's Execute preprocessor with a cap on what one cell may print (an output flood cannot exhaust memory)."""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import Execute
from traitlets import Integer


class CappedExecute(Execute):
    """Execute, keeping at most `max_output_bytes` of output per cell; the rest is replaced by one notice."""

    max_output_bytes = Integer(1_000_000, help="output kept per cell, in bytes").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        self._output_bytes = 0
        self._truncated = False
        return super().preprocess_cell(cell, resources, index)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        if self._output_bytes > self.max_output_bytes and msg.get("msg_type") != "error":
            if not getattr(self, "_truncated", False):
                self._truncated = True
                outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text=f"\n[output truncated after {self.max_output_bytes} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)
