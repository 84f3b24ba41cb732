"""Lesson 01, the RNN cell. What it adds to the library:

    torch_rnn    the RNN cell and the linear readout as float64 torch modules in the course layout (W_x (H, D),
                 W_h (H, H), one summed bias b), their weights back as numpy, and the helpers later lessons build
                 their own twins with (load_weights, layer_from_cell); a torch orthogonal matrix
    drawings     the rolled and unrolled cell, the four wirings, term bars and activation curves
    explorers    CellExplorer (the cell term by term), SequencePlayer (the hidden state over a sequence)
    grader/      reference (torch softmax), mistakes (rnn_cell_forward, linear_output, softmax, rnn_param_count)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
"""
