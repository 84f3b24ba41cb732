"""Lesson 04, grader side: the torch reference of one LSTM step, and the parameter count of
the course's LSTM cell (one summed bias).
"""

from __future__ import annotations

import numpy as np
import torch

from utils import models
from utils.lesson04_lstm import torch_lstm
from utils.models import to_numpy, to_torch


def lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) computed by torch.nn.LSTMCell loaded with the course-layout weights."""
    with torch.no_grad():
        h_t, c_t = torch_lstm.load_lstm_cell(W_x, W_h, b)(to_torch(x_t), (to_torch(h_prev), to_torch(c_prev)))
    return to_numpy(h_t), to_numpy(c_t)


def lstm_param_count(input_size: int, hidden_size: int) -> int:
    """The numbers in W_x, W_h and one summed bias b: torch's LSTM counts two bias vectors of 4H, the course one."""
    return models.parameter_count("lstm", input_size, hidden_size) - 4 * hidden_size
