'''Delegating solutions: for every graded function or class of every lesson, code that gets its answer from what
the course ships instead of computing it (autograder/exercises.py says what each may use).

DELEGATIONS[lesson][grade_id][route] is the full code of the solution cell grade_id; every other cell keeps the
source's solution. Routes: "torch" (a numpy-only function computing with torch), "torch twin" (through a learner-side
module that uses torch, as the lesson's setup imports it), "grader side" (through utils/**/grader/: the references
and mistake catalogues that only the tests may use; "grader side, in a method": from a method of a learner's model).
Each one passes the lesson's tests in a learner's own kernel (test_delegation.py checks that), so each is a real
hole the trusted run must close.
'''

L01 = {
    "rnn_cell_forward": {
        "torch": """
import torch

def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
    cell = torch.nn.RNNCell(W_x.shape[1], W_x.shape[0]).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.as_tensor(W_x))
        cell.weight_hh.copy_(torch.as_tensor(W_h))
        cell.bias_ih.copy_(torch.as_tensor(b))
        cell.bias_hh.zero_()
        return cell(torch.as_tensor(x_t), torch.as_tensor(h_prev)).numpy()
""",
        "torch twin": """
def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
    return torch_rnn.rnn_cell_step(x_t, h_prev, W_x, W_h, b)
""",
        "grader side": """
from utils.lesson01_rnn_cell.grader import mistakes

def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
    return mistakes.torch_rnn.rnn_cell_step(x_t, h_prev, W_x, W_h, b)
""",
    },
    "linear_output": {
        "torch": """
def linear_output(h_t, W_y, b_y):
    import torch

    return torch.nn.functional.linear(torch.as_tensor(h_t), torch.as_tensor(W_y), torch.as_tensor(b_y)).numpy()
""",
        "torch twin": """
def linear_output(h_t, W_y, b_y):
    return torch_rnn.linear_step(h_t, W_y, b_y)
""",
        "grader side": """
def linear_output(h_t, W_y, b_y):
    from utils.lesson01_rnn_cell.grader.mistakes import torch_rnn

    return torch_rnn.linear_step(h_t, W_y, b_y)
""",
    },
    "softmax": {
        "torch": """
import torch

def softmax(z, axis=-1):
    return torch.softmax(torch.as_tensor(np.asarray(z, dtype=np.float64)), dim=axis).numpy()
""",
        "torch twin": """
from utils.models import to_numpy, to_torch

def softmax(z, axis=-1):
    return to_numpy(to_torch(z).softmax(dim=axis))
""",
        "grader side": """
from utils.lesson01_rnn_cell.grader.reference import softmax
""",
    },
    "rnn_param_count": {
        "torch": """
import torch

def rnn_param_count(input_size, hidden_size, output_size):
    layers = [torch.nn.RNNCell(input_size, hidden_size), torch.nn.Linear(hidden_size, output_size)]
    return sum(p.numel() for layer in layers for p in layer.parameters()) - hidden_size  # one cell bias, not two
""",
        "torch twin": """
def rnn_param_count(input_size, hidden_size, output_size):
    params = torch_rnn.rnn_model_params(input_size, hidden_size, output_size, np.random.default_rng(0))
    return sum(p.size for p in params.values())
""",
        "grader side": """
def rnn_param_count(input_size, hidden_size, output_size):
    from utils.lesson01_rnn_cell.grader.mistakes import torch_rnn

    params = torch_rnn.rnn_model_params(input_size, hidden_size, output_size, np.random.default_rng(0))
    return sum(p.size for p in params.values())
""",
    },
}

L02 = {
    "rnn_forward": {
        "torch": """
import torch

def rnn_forward(x, h0, W_x, W_h, b):
    x, h, W_x, W_h, b = (torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (x, h0, W_x, W_h, b))
    states = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ W_x.T + h @ W_h.T + b)
        states.append(h)
    return torch.stack(states, dim=1).numpy()
""",
        "torch twin": """
def rnn_forward(x, h0, W_x, W_h, b):
    return torch_bptt.rnn_gradients(x, h0, W_x, W_h, b, np.zeros(x.shape[:2] + h0.shape[1:]))["hs"]
""",
        "grader side": """
from utils.lesson02_bptt.grader.reference import run_rnn

def rnn_forward(x, h0, W_x, W_h, b):
    return run_rnn(x, h0, W_x, W_h, b)
""",
    },
    "rnn_cell_backward": {
        "torch": """
import torch

def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_x, W_h):
    dh_t, x_t, h_prev, h_t, W_x, W_h = (torch.as_tensor(np.asarray(a, dtype=np.float64))
                                        for a in (dh_t, x_t, h_prev, h_t, W_x, W_h))
    da = dh_t * (1 - h_t**2)
    return tuple(g.numpy() for g in (da @ W_x, da @ W_h, da.T @ x_t, da.T @ h_prev, da.sum(dim=0)))
""",
        "torch twin": """
def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_x, W_h):
    da = dh_t * (1 - h_t**2)

    def matmul(a, m):
        return torch_rnn.linear_step(a, m.T, np.zeros(m.shape[1]))

    return matmul(da, W_x), matmul(da, W_h), matmul(da.T, x_t), matmul(da.T, h_prev), da.sum(axis=0)
""",
        "grader side": """
def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_x, W_h):
    from utils.lesson02_bptt.grader import reference

    grads = reference.linear_map_gradients(reference.tanh_backward(dh_t, h_t), x_t, h_prev, W_x, W_h)
    return grads["dx_t"], grads["dh_prev"], grads["dW_x"], grads["dW_h"], grads["db"]
""",
    },
    "rnn_backward": {
        "torch": """
import torch

def rnn_backward(dhs, x, h0, hs, W_x, W_h):
    dhs, x, h0, hs, W_x, W_h = (torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (dhs, x, h0, hs, W_x, W_h))
    dx, dW_x, dW_h = torch.zeros_like(x), torch.zeros_like(W_x), torch.zeros_like(W_h)
    db, dh = torch.zeros(W_h.shape[0], dtype=torch.float64), torch.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh) * (1 - hs[:, t] ** 2)
        dx[:, t], dh = da @ W_x, da @ W_h
        dW_x, dW_h, db = dW_x + da.T @ x[:, t], dW_h + da.T @ h_prev, db + da.sum(dim=0)
    return {name: g.numpy() for name, g in {"dx": dx, "dh0": dh, "dW_x": dW_x, "dW_h": dW_h, "db": db}.items()}
""",
        "torch twin": """
def rnn_backward(dhs, x, h0, hs, W_x, W_h):
    # the bias, recovered from the first step's state: all that autograd through torch's RNNCell needs
    b = (np.arctanh(np.clip(hs[:, 0], -1 + 1e-15, 1 - 1e-15)) - x[:, 0] @ W_x.T - h0 @ W_h.T).mean(axis=0)
    grads = torch_bptt.rnn_gradients(x, h0, W_x, W_h, b, dhs)
    return {name: grads[name] for name in ("dx", "dh0", "dW_x", "dW_h", "db")}
""",
        "grader side": """
from utils.lesson02_bptt.grader import reference

def rnn_backward(dhs, x, h0, hs, W_x, W_h):
    grads = {"dx": np.zeros(x.shape), "dW_x": np.zeros(W_x.shape), "dW_h": np.zeros(W_h.shape),
             "db": np.zeros(W_h.shape[0])}
    dh = np.zeros(h0.shape)
    for t in reversed(range(x.shape[1])):
        h_prev = hs[:, t - 1] if t > 0 else h0
        step = reference.linear_map_gradients(reference.tanh_backward(dhs[:, t] + dh, hs[:, t]), x[:, t], h_prev,
                                              W_x, W_h)
        grads["dx"][:, t], dh = step["dx_t"], step["dh_prev"]
        for name in ("dW_x", "dW_h", "db"):
            grads[name] += step[name]
    return {**grads, "dh0": dh}
""",
    },
}

L03 = {
    "rnn_jacobian": {
        "torch": """
import torch

def rnn_jacobian(h_t, W_h):
    h_t, W_h = torch.as_tensor(np.asarray(h_t, dtype=np.float64)), torch.as_tensor(np.asarray(W_h, dtype=np.float64))
    return (torch.diag_embed(1 - h_t**2) @ W_h).numpy()
""",
        "torch twin": """
def rnn_jacobian(h_t, W_h):
    torch = torch_jacobians.torch
    h_t, W_h = torch.as_tensor(np.asarray(h_t, dtype=np.float64)), torch.as_tensor(np.asarray(W_h, dtype=np.float64))
    return (torch.diag_embed(1 - h_t**2) @ W_h).numpy()
""",
        "grader side": """
from utils.lesson03_vanishing_gradients.grader.reference import jacobian_from_state as rnn_jacobian
""",
    },
    "scale_spectral_radius": {
        "torch": """
import torch

def scale_spectral_radius(W, rho):
    return W * (rho / float(torch.linalg.eigvals(torch.as_tensor(np.asarray(W, dtype=np.float64))).abs().max()))
""",
        "torch twin": """
def scale_spectral_radius(W, rho):
    return W * (rho / torch_jacobians.spectral_radius(W))
""",
        "grader side": """
def scale_spectral_radius(W, rho):
    from utils.lesson03_vanishing_gradients.grader.reference import to_torch, torch

    return W * (rho / float(torch.linalg.eigvals(to_torch(W)).abs().max()))
""",
    },
    "orthogonal_init": {
        "torch": """
import torch

def orthogonal_init(n, rng):
    Q, R = torch.linalg.qr(torch.as_tensor(rng.normal(size=(n, n))))
    return (Q * torch.sign(torch.diagonal(R))).numpy()
""",
        "torch twin": """
from utils.lesson01_rnn_cell import torch_rnn

def orthogonal_init(n, rng):
    return torch_rnn.orthogonal(n, rng)
""",
        "grader side": """
from utils.lesson01_rnn_cell.grader.mistakes import torch_rnn

def orthogonal_init(n, rng):
    return torch_rnn.orthogonal(n, rng)
""",
    },
    "clip_grad_norm": {
        "torch": """
import torch

def clip_grad_norm(grads, max_norm):
    parameters = {name: torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True) for name, g in grads.items()}
    for name, p in parameters.items():
        p.grad = torch.as_tensor(np.array(grads[name], dtype=np.float64))
    total = torch.nn.utils.clip_grad_norm_(list(parameters.values()), max_norm)
    return {name: p.grad.numpy() for name, p in parameters.items()}, float(total)
""",
        "torch twin": """
def clip_grad_norm(grads, max_norm):
    torch = torch_jacobians.torch
    total = float(torch.sqrt(sum((torch.as_tensor(np.asarray(g, dtype=np.float64)) ** 2).sum() for g in grads.values())))
    scale = min(1.0, max_norm / (total + 1e-6))
    return {name: g * scale for name, g in grads.items()}, total
""",
        "grader side": """
from utils.lesson03_vanishing_gradients.grader.reference import clip_grad_norm
""",
    },
}

L04 = {
    "lstm_cell_forward": {
        "torch": """
import torch

def sigmoid(z):  # numpy, as given: lstm_cell_backward calls it too
    return 0.5 * (1.0 + np.tanh(0.5 * z))

def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
    x_t, h_prev, c_prev, W_x, W_h, b = (torch.as_tensor(np.asarray(a, dtype=np.float64))
                                        for a in (x_t, h_prev, c_prev, W_x, W_h, b))
    i, f, g, o = (x_t @ W_x.T + h_prev @ W_h.T + b).chunk(4, dim=1)
    c_t = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
    return (torch.sigmoid(o) * torch.tanh(c_t)).numpy(), c_t.numpy()
""",
        "torch twin": """
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))

def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
    return torch_lstm.run_lstm_cell(torch_lstm.load_lstm_cell(W_x, W_h, b), x_t, h_prev, c_prev)
""",
        "grader side": """
def sigmoid(z):  # numpy, as given: lstm_cell_backward calls it too
    return 0.5 * (1.0 + np.tanh(0.5 * z))

def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
    from utils.lesson04_lstm.grader.reference import lstm_cell_step

    return lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b)
""",
    },
    "lstm_forward": {
        "torch": """
import torch

def lstm_forward(x, h0, c0, W_x, W_h, b):
    layer = torch.nn.LSTM(W_x.shape[1], W_h.shape[1], batch_first=True).double()
    with torch.no_grad():
        for name, value in (("weight_ih_l0", W_x), ("weight_hh_l0", W_h), ("bias_ih_l0", b)):
            getattr(layer, name).copy_(torch.as_tensor(value))
        layer.bias_hh_l0.zero_()
        h, c, hs, cs = torch.as_tensor(h0)[None], torch.as_tensor(c0)[None], [], []
        for t in range(x.shape[1]):
            out, (h, c) = layer(torch.as_tensor(x[:, t : t + 1]), (h, c))
            hs.append(h[0])
            cs.append(c[0])
    return torch.stack(hs, dim=1).numpy(), torch.stack(cs, dim=1).numpy()
""",
        "torch twin": """
def lstm_forward(x, h0, c0, W_x, W_h, b):
    return torch_lstm.run_lstm(x, h0, c0, W_x, W_h, b)
""",
        "grader side": """
def lstm_forward(x, h0, c0, W_x, W_h, b):
    from utils.lesson04_lstm.grader.reference import lstm_cell_step

    h, c, hs, cs = h0, c0, [], []
    for t in range(x.shape[1]):
        h, c = lstm_cell_step(x[:, t], h, c, W_x, W_h, b)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)
""",
    },
    "lstm_cell_backward": {
        "torch": """
import torch

def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b):
    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
              for a in (x_t, h_prev, c_prev, W_x, W_h, b)]
    x, h, c, Wx, Wh, bias = leaves
    i, f, g, o = (x @ Wx.T + h @ Wh.T + bias).chunk(4, dim=1)
    c_t = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_t = torch.sigmoid(o) * torch.tanh(c_t)
    torch.autograd.backward([h_t, c_t], [torch.as_tensor(dh_t), torch.as_tensor(dc_t)])
    return tuple(leaf.grad.numpy() for leaf in leaves)
""",
        "torch twin": """
def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b):
    cell = torch_lstm.load_lstm_cell(W_x, W_h, b)
    x, h, c = (torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (x_t, h_prev, c_prev))
    h_t, c_t = cell(x, (h, c))
    torch.autograd.backward([h_t, c_t], [torch.as_tensor(dh_t), torch.as_tensor(dc_t)])
    return (x.grad.numpy(), h.grad.numpy(), c.grad.numpy(), cell.weight_ih.grad.numpy(), cell.weight_hh.grad.numpy(),
            cell.bias_ih.grad.numpy())
""",
        "grader side": """
from utils.lesson04_lstm.grader import reference

def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b):
    grads = reference.lstm_cell_gradients(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b)
    return tuple(grads[name] for name in reference.CELL_GRADIENTS)
""",
    },
    "lstm_backward": {
        "torch": """
import torch

def lstm_backward(dhs, x, h0, c0, W_x, W_h, b):
    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (x, h0, c0, W_x, W_h, b)]
    xs, h, c, Wx, Wh, bias = leaves
    states = []
    for t in range(xs.shape[1]):
        i, f, g, o = (xs[:, t] @ Wx.T + h @ Wh.T + bias).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        states.append(h)
    (torch.stack(states, dim=1) * torch.as_tensor(dhs)).sum().backward()
    return dict(zip(("dx", "dh0", "dc0", "dW_x", "dW_h", "db"), (leaf.grad.numpy() for leaf in leaves)))
""",
        "torch twin": """
def lstm_backward(dhs, x, h0, c0, W_x, W_h, b):
    layer = torch_lstm.load_lstm(W_x, W_h, b)
    xs, h, c = (torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (x, h0, c0))
    hs, _ = layer(xs, (h[None], c[None]))
    (hs * torch.as_tensor(dhs)).sum().backward()
    return {"dx": xs.grad.numpy(), "dh0": h.grad.numpy(), "dc0": c.grad.numpy(),
            "dW_x": layer.weight_ih_l0.grad.numpy(), "dW_h": layer.weight_hh_l0.grad.numpy(),
            "db": layer.bias_ih_l0.grad.numpy()}
""",
        "grader side": """
def lstm_backward(dhs, x, h0, c0, W_x, W_h, b):
    from utils.lesson04_lstm.grader import reference

    grads = reference.lstm_gradients(dhs, x, h0, c0, W_x, W_h, b)
    return {name: grads[name] for name in reference.GRADIENTS}
""",
    },
}

L05 = {
    "gru_cell_forward": {
        "torch": """
import torch

def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):
    cell = torch.nn.GRUCell(W_x.shape[1], W_h.shape[1]).double()
    with torch.no_grad():
        for name, value in (("weight_ih", W_x), ("weight_hh", W_h), ("bias_ih", b_x), ("bias_hh", b_h)):
            getattr(cell, name).copy_(torch.as_tensor(value))
        return cell(torch.as_tensor(x_t), torch.as_tensor(h_prev)).numpy()
""",
        "torch twin": """
def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):
    return torch_gru.gru_cell_step(x_t, h_prev, W_x, W_h, b_x, b_h)
""",
        "grader side": """
from utils.lesson05_gru.grader.mistakes import torch_gru

def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):
    return torch_gru.gru_cell_step(x_t, h_prev, W_x, W_h, b_x, b_h)
""",
    },
    "gru_forward": {
        "torch": """
import torch

def gru_forward(x, h0, W_x, W_h, b_x, b_h):
    layer = torch.nn.GRU(W_x.shape[1], W_h.shape[1], batch_first=True).double()
    with torch.no_grad():
        for name, value in (("weight_ih_l0", W_x), ("weight_hh_l0", W_h), ("bias_ih_l0", b_x), ("bias_hh_l0", b_h)):
            getattr(layer, name).copy_(torch.as_tensor(value))
        return layer(torch.as_tensor(x), torch.as_tensor(h0)[None])[0].numpy()
""",
        "torch twin": """
def gru_forward(x, h0, W_x, W_h, b_x, b_h):
    return torch_gru.run_gru(x, h0, W_x, W_h, b_x, b_h)
""",
        "grader side": """
def gru_forward(x, h0, W_x, W_h, b_x, b_h):
    from utils.lesson05_gru.grader import mistakes

    return mistakes.torch_gru.run_gru(x, h0, W_x, W_h, b_x, b_h)
""",
    },
    "gru_cell_backward": {
        "torch": """
import torch

def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):
    cell = torch.nn.GRUCell(W_x.shape[1], W_h.shape[1]).double()
    with torch.no_grad():
        for name, value in (("weight_ih", W_x), ("weight_hh", W_h), ("bias_ih", b_x), ("bias_hh", b_h)):
            getattr(cell, name).copy_(torch.as_tensor(value))
    x = torch.tensor(x_t, requires_grad=True)
    h = torch.tensor(h_prev, requires_grad=True)
    cell(x, h).backward(torch.as_tensor(dh_t))
    return tuple(t.grad.numpy() for t in (x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh))
""",
        "torch twin": """
def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):
    H = h_prev.shape[1]
    gates = torch_gru.gru_gates(x_t, h_prev, W_x, W_h, b_x, b_h)  # r, z and n from the learner-side torch module
    r, z, n = gates["r"], gates["z"], gates["n"]
    state_n = h_prev @ W_h[2 * H :].T + b_h[2 * H :]
    d_an = dh_t * (1 - z) * (1 - n**2)
    d_input = np.hstack([d_an * state_n * r * (1 - r), dh_t * (h_prev - n) * z * (1 - z), d_an])
    d_state = np.hstack([d_input[:, : 2 * H], r * d_an])
    return (d_input @ W_x, dh_t * z + d_state @ W_h, d_input.T @ x_t, d_state.T @ h_prev, d_input.sum(axis=0),
            d_state.sum(axis=0))
""",
        "grader side": """
def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):
    from utils.lesson05_gru.grader import reference

    grads = reference.cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h)
    return tuple(grads[name] for name in reference.GRADIENTS)
""",
    },
}

L06 = {
    "reverse_padded": {
        "torch": """
import torch

def reverse_padded(x, lengths):
    out = torch.tensor(np.asarray(x, dtype=np.float64))
    for row, n in enumerate(np.asarray(lengths)):
        out[row, :n] = torch.flip(out[row, :n], dims=[0])
    return out.numpy()
""",
        "grader side": """
from utils.lesson06_classification_and_labeling.grader.reference import reverse_padded
""",
    },
    "last_hidden": {
        "torch": """
import torch

def last_hidden(hs, lengths):
    hs = torch.as_tensor(np.asarray(hs, dtype=np.float64))
    steps = torch.as_tensor(np.asarray(lengths, dtype=np.int64)) - 1
    return hs[torch.arange(hs.shape[0]), steps].numpy()
""",
        "grader side": """
def last_hidden(hs, lengths):
    from utils.lesson06_classification_and_labeling.grader import reference

    return reference.last_hidden(hs, lengths)
""",
    },
    "masked_mean": {
        "torch": """
import torch

def masked_mean(hs, lengths):
    hs = torch.as_tensor(np.asarray(hs, dtype=np.float64))
    n = torch.as_tensor(np.asarray(lengths, dtype=np.int64))
    valid = (torch.arange(hs.shape[1])[None, :] < n[:, None]).to(hs.dtype)
    return ((hs * valid[:, :, None]).sum(dim=1) / n.clamp(min=1)[:, None]).numpy()
""",
        "grader side": """
from utils.lesson06_classification_and_labeling.grader.reference import masked_mean
""",
    },
    "BiRNN": {
        "grader side": """
from utils.lesson06_classification_and_labeling.grader import reference


class BiRNN(torch.nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, cell="rnn"):
        super().__init__()
        self.cell, self.num_layers = cell, num_layers
        self.rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
            input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)

    def forward(self, x, lengths):
        # the course's reference, which runs every sequence alone
        outputs, final = reference.run_one_by_one(self.rnn, x, lengths, total_length=x.shape[1])
        return torch.as_tensor(outputs, dtype=x.dtype), torch.as_tensor(final, dtype=x.dtype)
""",
        "grader side, in a method": """
class BiRNN(torch.nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, cell="rnn"):
        super().__init__()
        self.rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
            input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)

    def forward(self, x, lengths):
        from utils.lesson06_classification_and_labeling.grader import reference

        outputs, final = reference.run_one_by_one(self.rnn, x, lengths, total_length=x.shape[1])
        return torch.as_tensor(outputs, dtype=x.dtype), torch.as_tensor(final, dtype=x.dtype)
""",
    },
    "viterbi": {
        "torch": """
import torch

def viterbi(emissions, transitions, lengths):
    e = torch.as_tensor(np.asarray(emissions, dtype=np.float64))
    A = torch.as_tensor(np.asarray(transitions, dtype=np.float64))
    B, T, K = e.shape
    paths = np.full((B, T), -1, dtype=np.int64)
    scores = np.zeros(B)
    for b, n in enumerate(np.asarray(lengths)):
        best, pointers = e[b, 0], []
        for t in range(1, n):
            top, previous = (best[:, None] + A).max(dim=0)
            best = top + e[b, t]
            pointers.append(previous)
        tag = int(best.argmax())
        scores[b] = float(best[tag])
        for t in range(n - 1, -1, -1):
            paths[b, t] = tag
            if t > 0:
                tag = int(pointers[t - 1][tag])
    return paths, scores
""",
        "grader side": """
from utils.lesson06_classification_and_labeling.grader.reference import viterbi
""",
        "grader side, in the mistake catalogue": """
def viterbi(emissions, transitions, lengths):
    from utils.lesson06_classification_and_labeling.grader import mistakes

    return mistakes._decode(emissions, transitions, lengths)  # with no mistake switched on
""",
    },
}

L07 = {
    "perplexity": {
        "torch": """
import torch

def perplexity(nll):
    return float(torch.as_tensor(np.asarray(nll, dtype=np.float64)).mean().exp())
""",
        "grader side": """
def perplexity(nll):
    from utils.lesson07_language_models.grader.reference import torch

    return float(torch.as_tensor(np.asarray(nll, dtype=np.float64)).mean().exp())
""",
    },
    "sample_with_temperature": {
        "torch": """
import torch

def sample_with_temperature(logits, temperature, rng):
    logits = torch.as_tensor(np.asarray(logits, dtype=np.float64))
    if temperature == 0:
        return logits.argmax(dim=-1).numpy()
    p = torch.softmax(logits / temperature, dim=-1).numpy()
    u = rng.random(p.shape[:-1] + (1,))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)
""",
        "torch twin": """
def sample_with_temperature(logits, temperature, rng):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return logits.argmax(axis=-1)
    p = generation.probabilities(logits, temperature)
    u = rng.random(p.shape[:-1] + (1,))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)
""",
        "grader side": """
from utils.lesson07_language_models.grader.reference import torch

def sample_with_temperature(logits, temperature, rng):
    logits = torch.as_tensor(np.asarray(logits, dtype=np.float64))
    if temperature == 0:
        return logits.argmax(dim=-1).numpy()
    p = torch.softmax(logits / temperature, dim=-1).numpy()
    u = rng.random(p.shape[:-1] + (1,))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)
""",
    },
    "bptt_batches": {
        "torch": """
import torch

def bptt_batches(ids, batch_size, seq_len):
    ids = torch.as_tensor(np.asarray(ids))
    length = (len(ids) - 1) // batch_size
    inputs = ids[: batch_size * length].reshape(batch_size, length)
    targets = ids[1 : batch_size * length + 1].reshape(batch_size, length)
    return [(inputs[:, s : s + seq_len].numpy(), targets[:, s : s + seq_len].numpy()) for s in range(0, length, seq_len)]
""",
        "grader side": """
from utils.lesson07_language_models.grader.reference import torch

def bptt_batches(ids, batch_size, seq_len):
    ids = torch.as_tensor(np.asarray(ids))
    length = (len(ids) - 1) // batch_size
    inputs = ids[: batch_size * length].reshape(batch_size, length)
    targets = ids[1 : batch_size * length + 1].reshape(batch_size, length)
    return [(inputs[:, s : s + seq_len].numpy(), targets[:, s : s + seq_len].numpy()) for s in range(0, length, seq_len)]
""",
    },
    "CharLM": {
        "grader side": """
from utils.lesson07_language_models.grader.reference import LanguageModel


class CharLM(LanguageModel):
    pass
""",
    },
    "train_language_model": {
        "grader side": """
from utils.lesson07_language_models.grader import reference


def train_language_model(model, batches, steps, lr, clip):
    nn = reference.nn  # torch.nn, by way of the course's reference model
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses, state = [], None
    for step in range(steps):
        index = step % len(batches)
        if index == 0:
            state = None
        inputs, targets = (torch.as_tensor(np.asarray(a), dtype=torch.long) for a in batches[index])
        logits, state = model(inputs, state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        losses.append(loss.item())
    return losses
""",
    },
}

L08 = {
    "additive_attention": {
        "torch": """
import torch

def additive_attention(query, keys, values, mask, W_q, W_k, v):
    mask = np.asarray(mask, dtype=bool)
    if not mask.any(axis=1).all():
        raise ValueError("every row of mask needs a valid position")
    q, k, vals, W_q, W_k, v = (torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (query, keys, values, W_q, W_k, v))
    scores = torch.tanh((q @ W_q.T)[:, None, :] + k @ W_k.T) @ v
    weights = torch.softmax(scores.masked_fill(~torch.as_tensor(mask), float("-inf")), dim=1)
    return torch.einsum("bs,bsh->bh", weights, vals).numpy(), weights.numpy()
""",
        "grader side": """
from utils.lesson08_attention.grader.reference import additive_attention
""",
    },
    "dot_attention": {
        "torch": """
import torch

def dot_attention(query, keys, values, mask):
    mask = np.asarray(mask, dtype=bool)
    if not mask.any(axis=1).all():
        raise ValueError("every row of mask needs a valid position")
    q, k, vals = (torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (query, keys, values))
    scores = torch.einsum("bh,bsh->bs", q, k).masked_fill(~torch.as_tensor(mask), float("-inf"))
    weights = torch.softmax(scores, dim=1)
    return torch.einsum("bs,bsv->bv", weights, vals).numpy(), weights.numpy()
""",
        "grader side": """
from utils.lesson08_attention.grader.reference import dot_attention
""",
    },
    "bleu": {
        "torch": """
import torch

def bleu(candidates, references, max_n=4):
    from collections import Counter

    def grams(tokens, n):
        return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))

    matches, totals, c, r = torch.zeros(max_n, dtype=torch.float64), torch.zeros(max_n, dtype=torch.float64), 0, 0
    for candidate, refs in zip(candidates, references):
        c += len(candidate)
        r += min((abs(len(ref) - len(candidate)), len(ref)) for ref in refs)[1]
        for n in range(1, max_n + 1):
            mine, most = grams(list(candidate), n), Counter()
            for ref in refs:
                most |= grams(list(ref), n)
            matches[n - 1] += sum((mine & most).values())
            totals[n - 1] += sum(mine.values())
    if c == 0 or bool((totals == 0).any()) or bool((matches == 0).any()):
        return 0.0
    penalty = 1.0 if c > r else float(torch.exp(torch.tensor(1 - r / c)))
    return penalty * float(torch.exp(torch.log(matches / totals).mean()))
""",
        "grader side": """
from utils.lesson08_attention.grader.reference import bleu
""",
    },
    "Seq2Seq": {
        "grader side": """
from utils.lesson08_attention.grader import reference


class Seq2Seq(reference.Seq2Seq):
    pass
""",
    },
    "greedy_decode": {
        "grader side": """
from utils.lesson08_attention.grader.reference import greedy_decode
""",
    },
    "beam_search": {
        "grader side": """
def beam_search(model, src, src_lengths, beam_width, max_len):
    from utils.lesson08_attention.grader import reference

    return reference.beam_search(model, src, src_lengths, beam_width, max_len)
""",
    },
}

DELEGATIONS = {"01_rnn_cell": L01, "02_bptt": L02, "03_vanishing_gradients": L03, "04_lstm": L04, "05_gru": L05,
               "06_classification_and_labeling": L06, "07_language_models": L07, "08_attention": L08}
