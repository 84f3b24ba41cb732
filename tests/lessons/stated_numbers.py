"""Numbers that a lesson's cells state in their comments ("= 0.6169...", "is 4.6e-16", "about 1.53"), checked
against what the cell computes, so that a wrong digit fails the suite.

A lesson's test lists its claims as Claim(grade_id, text, expression): `text` must appear in that cell's comments,
and `expression`, evaluated after the lesson's setup and solution cells and that cell have run, must give the
number in `text` to the digits it shows. `unchecked_claims` finds the result-like numbers of every code cell's
comments ("= 1.28", "is 0.4995", "are [0.64, 1.0]", "about 1.53") that no claim covers, so a new one cannot slip in
unchecked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from notebook_tools import run_cells

from autograder.notebooks import cells_by_id

NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
# a number right after "=", "is", "are" or "about" (or inside the list that follows), not followed by an
# operator: that is a stated result, not a term of an expression
WHOLE = rf"{NUMBER}(?:\.\.\.|(?!\.?\d))"  # the whole number, never a prefix of a longer one
CLAIM = re.compile(rf"(?:=|\bis\b|\bare\b|\babout\b)\s+\[?((?:{WHOLE}(?:,\s*)?)+)\]?(?!\s*[-+*/(]|\*)")


@dataclass(frozen=True)
class Claim:
    grade_id: str
    text: str  # as written in the comment, e.g. "tanh(1.1 - 0.3799...) = 0.6169..."
    expression: str  # evaluated in the cell's namespace after it ran; a number or a list of numbers


def comments(source: str) -> str:
    return "\n".join(line[line.index("#"):] for line in source.splitlines() if "#" in line)


def stated_numbers(text: str) -> list[str]:
    """The numbers a claim states: those after its last "=", "is", "are" or "about"."""
    found = CLAIM.findall(text)
    assert found, f"no stated number in {text!r}"
    return re.findall(NUMBER, found[-1])


def agrees(stated: str, value: float) -> bool:
    """`value` shown with the digits of `stated` (truncated where `stated` ends in "...", else rounded)."""
    digits = stated.removesuffix("...")
    if "e" in digits:
        mantissa, exponent = digits.split("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{value:.{decimals}e}" == f"{float(mantissa):.{decimals}f}e{int(exponent):+03d}"
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    if stated.endswith("..."):
        scale = 10**decimals
        return int(abs(value) * scale) == round(abs(float(digits)) * scale) and (value < 0) == digits.startswith("-")
    return f"{value:.{decimals}f}" == f"{float(digits):.{decimals}f}"


def check_claims(notebook, namespace: dict, claims: list[Claim]) -> None:
    cells = cells_by_id(notebook)
    ran = {}
    for claim in claims:
        source = cells[claim.grade_id].source
        assert claim.text in comments(source), f"{claim.grade_id}: the comment no longer says {claim.text!r}"
        if claim.grade_id not in ran:
            ran[claim.grade_id] = run_cells([source], dict(namespace))
        value = eval(claim.expression, ran[claim.grade_id])
        values = list(value) if isinstance(value, list | tuple) else [value]
        stated = stated_numbers(claim.text)
        assert len(stated) == len(values), f"{claim.grade_id}: {claim.text!r} states {stated}, computed {values}"
        for shown, number in zip(stated, values, strict=True):
            assert agrees(shown, float(number)), f"{claim.grade_id}: the comment says {shown}, the cell computes {number!r}"


def unchecked_claims(notebook, claims: list[Claim]) -> list[str]:
    """'grade_id: comment line' for every comment line with a stated result that no claim covers."""
    covered = {(claim.grade_id, claim.text) for claim in claims}
    missing = []
    for grade_id, cell in cells_by_id(notebook).items():
        if cell.cell_type != "code":
            continue
        for line in comments(cell.source).splitlines():
            if CLAIM.search(line) and not any(g == grade_id and text in line for g, text in covered):
                missing.append(f"{grade_id}: {line}")
    return missing
