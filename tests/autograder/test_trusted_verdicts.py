"""Verdicts from the grader's own data only, and penalties in proportion.

- A learner's function that writes into its arguments fails, with a message naming the argument; it can never
  make a test pass by changing what the test computes its reference from after the call.
- A numpy generator passed to learner code advances as drawing from it would, and only so: a state the learner
  chose (a reset, another stream, a jump no call could draw) fails the call.
- A cell that rewrites how later cells run (IPython's transformers, hooks, the shell's methods) changes only
  itself: the other functions are graded on the cells that define them.
"""

import json

import nbformat
import numpy as np
import pytest
from lesson01_variants import MUTANTS
from notebook_tools import notebook_from_cells, with_solutions

from autograder.verify import LearnerFailure, _follow, run_trusted

pytest_plugins = ["grader_fixtures"]  # lesson 01's source and zygote, a PostgreSQL server

RNN_TESTS = {"test_rnn_cell_forward", "test_rnn_cell_forward_hidden"}
SOFTMAX_TESTS = {"test_softmax", "test_softmax_hidden"}
WRONG_CELL = MUTANTS["rnn_cell_forward"]["ignores h_prev"]


def _failed(result) -> set[str]:
    return {grade_id for grade_id, verdict in result.verdicts.items() if not verdict.passed}


def _with_cell(notebook, source, position):
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    notebook.cells.insert(position, nbformat.v4.new_code_cell(source))
    return notebook


# Wrong answers that make the test's reference, computed after the call from the same arrays, equal to them.
FORGERIES = {
    "rnn_cell_forward": ("def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                         "    h_prev[...] = 0  # the reference then ignores h_prev too\n"
                         "    return np.tanh(x_t @ W_x.T + b)", RNN_TESTS, "h_prev"),
    "softmax": ("def softmax(z, axis=-1):\n    z[...] = 0  # the softmax of zeros is uniform\n"
                "    return np.full(z.shape, 1.0 / z.shape[axis])", SOFTMAX_TESTS, "z"),
    "linear_output": ("def linear_output(h_t, W_y, b_y):\n    out = h_t @ W_y.T + b_y\n    W_y *= 2\n    return out",
                      {"test_linear_output", "test_linear_output_hidden"}, "W_y"),
}


@pytest.mark.parametrize("function", list(FORGERIES))
def test_writing_the_answer_into_an_argument_fails_and_names_it(function, source, zygote):
    code, tests, argument = FORGERIES[function]
    honest = run_trusted(source, source, zygote, 20)
    forged = run_trusted(source, with_solutions(source, {function: code}), zygote, 20)
    after = run_trusted(source, source, zygote, 20)
    assert _failed(honest) == _failed(after) == set()
    assert _failed(forged) == tests, forged.verdicts
    assert f"{function} changed its argument {argument} in place" in forged.verdicts[sorted(tests)[0]].message


# Each learner function draws from the rng it is given (or cheats with it); the test checks its result and what
# the grader's own rng draws next against a generator of its own that made the same draws.
DRAWS = {
    "normal": "rng.normal(size=n)",
    "int32 (half of a 64-bit draw kept for the next)": "rng.integers(0, 1000, size=n, dtype=np.int32)",
    "float32": "rng.random(size=n, dtype=np.float32)",
    "choice and permutation": "np.concatenate([rng.choice(10, size=n), rng.permutation(n)])",
    "one int32 then nothing": "rng.integers(0, 7, size=1, dtype=np.int32) * np.ones(n)",
    "nothing": "np.zeros(n)",
}


@pytest.mark.parametrize("draw", list(DRAWS))
def test_a_generator_advances_exactly_as_the_learners_draws_left_it(draw, zygote):
    expression = DRAWS[draw]
    solution = f"def draw(n, rng):\n    return {expression}\n"
    test = ("import numpy as np\nrng, mine = np.random.default_rng(5), np.random.default_rng(5)\n"
            "rng.integers(0, 3, dtype=np.int32); mine.integers(0, 3, dtype=np.int32)  # a half kept before the call\n"
            "for n in (1, 4, 7):\n"
            f"    got = draw(n, rng)\n    expected = (lambda rng: {expression})(mine)\n"
            "    assert np.array_equal(got, expected), (got, expected)\n"
            "    assert rng.bit_generator.state == mine.bit_generator.state\n"
            "    assert rng.integers(0, 2**31, dtype=np.int32) == mine.integers(0, 2**31, dtype=np.int32)\n"
            "    assert rng.normal() == mine.normal()\n")
    notebook = notebook_from_cells("import numpy as np", {"draw": solution}, {"test_draw": test})
    result = run_trusted(notebook, notebook, zygote, 20)
    assert result.verdicts["test_draw"].passed, result.verdicts


CHOSEN_STATES = {
    "a step back": "rng.bit_generator.advance(2**128 - 10)",
    "another stream": "rng.bit_generator.state = np.random.default_rng(99).bit_generator.state",
    "a jump no call could draw": "rng.bit_generator.advance(2**60)",
    "a spare half made up": "s = rng.bit_generator.state; s['has_uint32'] = 1; s['uinteger'] = 7; "
                            "rng.bit_generator.state = s",
}


@pytest.mark.parametrize("how", list(CHOSEN_STATES))
def test_a_generator_state_the_learner_chose_fails_the_call(how, zygote):
    solution = ("import numpy as np\ndef draw(n, rng):\n    out = rng.normal(size=n)\n"
                f"    {CHOSEN_STATES[how]}\n    return out\n")
    test = "rng = np.random.default_rng(5)\ndraw(3, rng)\n"
    notebook = notebook_from_cells("import numpy as np", {"draw": solution}, {"test_draw": test})
    result = run_trusted(notebook, notebook, zygote, 20)
    assert not result.verdicts["test_draw"].passed
    assert "replaced the state of the random generator" in result.verdicts["test_draw"].message


def test_following_a_generator_refuses_states_off_its_stream():
    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    other = np.random.default_rng(2).bit_generator.state
    for state in (other, {**before, "state": {**before["state"], "state": before["state"]["state"] + 1}},
                  {"bit_generator": "MT19937"}, {}, "PCG64"):
        with pytest.raises(LearnerFailure):
            _follow(rng, state, "draw")
        assert rng.bit_generator.state == before
    twin = np.random.default_rng(1)
    twin.standard_normal(1000)
    _follow(rng, twin.bit_generator.state, "draw")
    assert rng.bit_generator.state == twin.bit_generator.state


def test_only_numpy_default_generators_cross_to_learner_code(zygote):
    """A torch Generator or a numpy generator on another bit generator is the grader's own object: passing it
    is a fault of the test cell (an error), never a pass."""
    solution = "def draw(rng):\n    return 1\n"
    tests = {"test_torch": "import torch\nassert draw(torch.Generator().manual_seed(1)) == 1\n",
             "test_mt": "assert draw(np.random.Generator(np.random.MT19937(1))) == 1\n"}
    notebook = notebook_from_cells("import numpy as np", {"draw": solution}, tests)
    result = run_trusted(notebook, notebook, zygote, 20)
    assert _failed(result) == {"test_torch", "test_mt"}
    assert all("TypeError" in verdict.message for verdict in result.verdicts.values())


BLANK_ALL = "get_ipython().input_transformers_cleanup.append(lambda lines: [])\n"
HOOKS = {
    "input transformer blanking every later cell": BLANK_ALL,
    "post transformer": "get_ipython().input_transformers_post.append(lambda lines: ['raise SystemExit\\n'])\n",
    "AST transformer dropping every definition": (
        "import ast\nclass _Drop(ast.NodeTransformer):\n    def visit_FunctionDef(self, node):\n        return None\n"
        "get_ipython().ast_transformers.append(_Drop())\n"),
    "run_cell rebound on the shell": "get_ipython().run_cell = lambda *a, **k: None\n",
    "pre_run_cell callback raising": (
        "def _stop(info):\n    raise SystemExit\nget_ipython().events.register('pre_run_cell', _stop)\n"),
    "transformer manager replaced": "get_ipython().input_transformer_manager = None\n",
}


@pytest.mark.parametrize("hook", list(HOOKS))
def test_a_cell_that_rewrites_later_cells_costs_only_its_own_function(hook, source, zygote):
    """In the cell of a wrong rnn_cell_forward: only its tests fail. In a cell of its own before every solution:
    nothing fails (there was nothing to cheat on)."""
    in_solution = with_solutions(source, {"rnn_cell_forward": HOOKS[hook] + WRONG_CELL})
    assert _failed(run_trusted(source, in_solution, zygote, 20)) == RNN_TESTS
    first_solution = next(i for i, c in enumerate(source.cells)
                          if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    before_all = _with_cell(source, HOOKS[hook], first_solution)
    assert _failed(run_trusted(source, before_all, zygote, 20)) == set()
