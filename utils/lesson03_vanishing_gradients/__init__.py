"""Lesson 03, vanishing and exploding gradients. What it adds to the library:

    torch_jacobians  Jacobians dh_t/dh_{t-1} and hidden states of torch RNNs, the spectral radius
    checks           test-cell checks for dicts of arrays (flat, expect_clip_result) and orthogonal matrices
    long_lag         the long-lag bit task, its many-to-one RNN and training loop (the lesson's experiment)
    optimisers       the optimiser experiment on the long-lag task (SGD + momentum, RMSprop, Adam; warm-up + cosine;
                     decoupled weight decay; PyTorch default, Xavier or orthogonal W_hh), its committed results
                     optimisers.json (`python -m utils.lesson03_vanishing_gradients.optimisers` trains them again)
    explorers        JacobianExplorer (how far back a gradient reaches), ClippingExplorer (clipping on a cliff),
                     OptimiserExplorer (the committed optimiser runs)
    grader/          reference (torch clip_grad_norm_, the Jacobian from the state), mistakes (rnn_jacobian,
                     scale_spectral_radius, clip_grad_norm)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
"""
