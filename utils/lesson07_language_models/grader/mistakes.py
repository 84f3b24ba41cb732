"""Lesson 07's catalogue of likely mistakes: {message: what the mistake returns}, one function per graded
exercise that returns a value (the samplers, batches, models and training loops are judged in grader.checks)."""

from __future__ import annotations

import numpy as np


def perplexity(nll) -> dict[str, float]:
    """Likely wrong perplexities of per-token NLLs `nll`, by the message a test shows."""
    nll = np.asarray(nll, dtype=np.float64)
    return {
        "you returned the mean NLL itself; the perplexity is exp(mean NLL)": float(nll.mean()),
        "you averaged exp(NLL) token by token; take exp of the mean NLL (a geometric, not arithmetic, mean)":
            float(np.exp(nll).mean()),
        "you used 2 ** (mean NLL), but the NLL is in nats: the perplexity is e ** (mean NLL)": float(2.0 ** nll.mean()),
        "you took exp of the sum of the NLLs; use their mean (perplexity is per token)": float(np.exp(nll.sum())),
        "you returned exp(-mean NLL), the geometric-mean probability; perplexity is its inverse":
            float(np.exp(-nll.mean())),
    }
