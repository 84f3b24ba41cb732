"""Lesson 04, the LSTM. What it adds to the library:

    torch_lstm   the LSTM as float64 torch modules in the course layout (gates i, f, g, o), its gates over a
                 sequence, the gradient reaching each step's state
    adding       the adding problem's torch models (SequenceRegressor: RNN, LSTM or GRU) and training loop
                 (lesson 05 uses them too)
    pretrained   the committed adding-problem models (utils/trained/adding_problem.pt; `python -m utils.checkpoints 04`)
    drawings     the LSTM cell with its cell-state highway
    explorers    LSTMGatePlayer, ForgetBiasExplorer, GradientFlowExplorer (the latter runs the learner's lstm_backward)
    grader/      reference (one LSTM step; autograd through torch.nn.LSTMCell and torch.nn.LSTM for the backward
                 passes; the course cell's parameter count), mistakes (lstm_cell_forward, lstm_forward,
                 lstm_cell_backward, lstm_backward)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
"""
