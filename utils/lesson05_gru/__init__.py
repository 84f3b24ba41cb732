"""Lesson 05, the GRU. What it adds to the library:

    torch_gru    the GRU as float64 torch modules in the course layout (gates r, z, n, two bias vectors), its
                 gates, its one-step Jacobians dh_t/dh_prev, and the variants the lesson compares (reset
                 before/after, the seed's update convention)
    drawings     the GRU cell in torch's convention
    explorers    UpdateGateExplorer (the update gate as a mix), HighwayExplorer (the learner's dh_prev as z -> 1),
                 MemoryExplorer (memory of RNN, GRU and LSTM)
    grader/      reference (autograd and central differences of one step's backward pass), mistakes
                 (gru_cell_forward, gru_forward, gru_cell_backward), worked_examples
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
"""
