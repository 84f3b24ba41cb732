"""Which graded code may use torch: one declaration per lesson, read by the trusted run (autograder.verify).

Every solution cell of a lesson (its grade_id, autograder.notebooks.solution_ids) is NUMPY or TORCH. A NUMPY cell's
names are called in a learner process where torch does not exist (the installation is hidden by the sandbox and
`import torch` gives a stub that fails on use, autograder.no_torch); a TORCH cell's names in one with torch. Neither
process sees the grader side (utils/**/grader/): the references and mistake catalogues the tests use. A graded
name that reaches what its process lacks loses its points, and the flags say what it reached.
Checkpoint answers are plain values: NUMPY.
"""

from __future__ import annotations

NUMPY, TORCH = "numpy-only", "torch-allowed"


def _numpy(*grade_ids: str) -> dict[str, str]:
    return dict.fromkeys(grade_ids, NUMPY)


def _checkpoints(*names: str) -> dict[str, str]:
    return _numpy(*(f"checkpoint_{name}" for name in names))


EXERCISES: dict[str, dict[str, str]] = {
    "01_rnn_cell": {**_numpy("rnn_cell_forward", "linear_output", "softmax", "rnn_param_count"),
                    **_checkpoints("translation", "param_growth", "jordan", "tanh_slope")},
    "02_bptt": {**_numpy("rnn_forward", "rnn_cell_backward", "rnn_backward"),
                **_checkpoints("shared_weights", "backward_calls", "memory", "central_difference")},
    "03_vanishing_gradients": {**_numpy("rnn_jacobian", "scale_spectral_radius", "orthogonal_init", "clip_grad_norm"),
                               **_checkpoints("factor", "clipping", "exploding", "saturation")},
    "04_lstm": {**_numpy("lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"),
                **_checkpoints("cell_path", "forget_bias", "parameters", "writing_gate", "highway")},
    "05_gru": {**_numpy("gru_cell_forward", "gru_forward", "gru_cell_backward"),
               **_checkpoints("param_count", "conversion", "reset", "lstm_only")},
    "06_classification_and_labeling": {**_numpy("reverse_padded", "last_hidden", "masked_mean"), "BiRNN": TORCH,
                                       **_numpy("viterbi"),
                                       **_checkpoints("wiring", "realtime", "stacked_parameters", "short_last_step")},
    "07_language_models": {**_numpy("perplexity", "sample_with_temperature", "bptt_batches"),
                           "CharLM": TORCH, "train_language_model": TORCH,
                           **_checkpoints("bits", "temperature", "detach", "exposure")},
    "08_attention": {**_numpy("additive_attention", "dot_attention", "bleu"), "Seq2Seq": TORCH, "greedy_decode": TORCH,
                     "beam_search": TORCH,
                     **_checkpoints("bottleneck", "attention_cost", "beam_one", "metric")},
}


def declared(lesson: str, source) -> dict[str, str]:
    """{solution grade_id: NUMPY or TORCH} for `lesson`, whose source notebook is `source`. A lesson whose
    solution cells the table does not name exactly cannot be graded: a cell left out would escape the rule."""
    from autograder.notebooks import solution_ids  # not at the top: the learner's runner imports this module

    table = EXERCISES.get(lesson, {})
    cells = solution_ids(source)
    if set(table) != set(cells):
        raise ValueError(f"autograder/exercises.py does not declare the solution cells of {lesson} exactly: "
                         f"missing {sorted(set(cells) - set(table))}, extra {sorted(set(table) - set(cells))}")
    return {grade_id: table[grade_id] for grade_id in cells}
