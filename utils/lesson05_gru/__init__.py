"""Lesson 05, the GRU. What it adds to the library:

    torch_gru    the GRU as float64 torch modules in the course layout (gates r, z, n, two bias vectors), its
                 gates, and the variants the lesson compares (reset before/after, the seed's update convention)
    drawings     the GRU cell in torch's convention
    explorers    UpdateGateExplorer (the update gate as a mix), MemoryExplorer (memory of RNN, GRU and LSTM)
    grader/      mistakes (gru_cell_forward, gru_forward)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
"""
