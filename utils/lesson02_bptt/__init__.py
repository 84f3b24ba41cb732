"""Lesson 02, backpropagation through time. What it adds to the library:

    torch_bptt   BPTT by torch autograd over the unrolled cell (full or truncated), in the course layout
    training     training with the learner's own BPTT against a torch twin (TorchAdam, readout_loss,
                 train_with_autograd), and truncated BPTT built from a full rnn_backward
    drawings     the unrolled network with forward and backward arrows
    explorers    BPTTPlayer (forward, then backward through time)
    grader/      reference (run_rnn, one cell's backward pass), mistakes (rnn_forward, rnn_cell_backward, rnn_backward)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
"""
