"""The code scan: learner code an instructor may want to look at. It changes no score (verdicts do not depend on
what the learner's code does to its own process); it only says where to look."""

from __future__ import annotations

import re

from nbgrader.utils import is_grade

SUSPICIOUS = {  # pattern in a learner's code: what it suggests
    r"input_transformers|ast_transformers|register_magic": "rewrites how cells run (IPython transformers)",
    r"gradebook|nbgrader|NBGRADER": "mentions the grading system",
    r"os\._exit|sys\.exit|SystemExit|signal\.|ctypes": "exits or manipulates the process",
    r"(np|numpy)(\.testing)?\.\w+\s*=[^=]|setattr\(\s*(np|numpy)": "rebinds a numpy function",
    r"\bsocket\b|urllib|requests\.|http\.client": "tries to use the network",
    r"\.\./|/source/|open\(\s*['\"]/": "reads or writes files outside its folder",
}


def suspicious_code(notebook) -> list[str]:
    """One flag per kind of suspicious code in the learner's code cells (test cells are the lesson's, not theirs)."""
    found = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code" or is_grade(cell):
            continue
        for pattern, meaning in SUSPICIOUS.items():
            if re.search(pattern, cell.get("source", "")) and meaning not in found:
                found.append(meaning)
    return [f"suspicious code: {meaning}" for meaning in found]
