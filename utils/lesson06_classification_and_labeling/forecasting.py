"""Lesson 06's forecasting task, the aligned many-to-many wiring on a real time series: monthly CO2 at Mauna Loa.

The data are the weekly Mauna Loa CO2 readings (Keeling's flask series, March 1958 to December 2001, public domain)
that statsmodels ships in its package data; `co2_monthly` averages each month's readings, read straight from the
installed file (nothing downloaded; statsmodels itself is not imported). The last TEST_MONTHS months are held out.

A GRU reads the month-to-month changes and, at every step, predicts the change from this month to each of the next
HORIZONS months (one output vector per step, aligned with the input). It is trained on windows of the training
months only and scored on forecasts whose targets are all held out, against two baselines: the last value (next
months equal this one) and the seasonal naive forecast (the value twelve months before the target).
`python -m utils.checkpoints 06 --only forecasting` trains it again (utils/trained/forecasting.pt).
"""

from __future__ import annotations

import importlib.util
import time
from functools import cache
from pathlib import Path

import numpy as np
import torch

from utils.models import AdamSteps

SEASON, HORIZONS, TEST_MONTHS = 12, 12, 120
SETTINGS = {"steps": 1000, "hidden_size": 32, "window": 60, "warmup": 12, "batch_size": 32, "lr": 3e-3, "seed": 0}


def co2_file() -> Path:
    """statsmodels' weekly CO2 file (date as YYYYMMDD, ppm; some weeks empty), found without importing statsmodels."""
    spec = importlib.util.find_spec("statsmodels")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("lesson 06's forecasting data come with statsmodels: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "co2" / "co2.csv"


@cache
def co2_monthly() -> tuple[np.ndarray, np.ndarray]:
    """(time in years at each month's middle, e.g. 1958.21 for March 1958; the month's mean CO2 in ppm), every
    month from March 1958 to December 2001."""
    lines = co2_file().read_text().splitlines()[1:]
    sums: dict[tuple[int, int], list[float]] = {}
    for line in lines:
        date, value = line.split(",")
        if value.strip():
            sums.setdefault((int(date[:4]), int(date[4:6])), []).append(float(value))
    first, last = min(sums), max(sums)
    months = [(year, month) for year in range(first[0], last[0] + 1) for month in range(1, 13)
              if first <= (year, month) <= last]
    years = np.array([year + (month - 0.5) / 12 for year, month in months])
    values = np.array([np.mean(sums[key]) if key in sums else np.nan for key in months])
    gaps = np.isnan(values)  # a few months without any reading: filled linearly from their neighbours
    values[gaps] = np.interp(years[gaps], years[~gaps], values[~gaps])
    return years, values


def missing_months() -> int:
    """How many months of the series had no reading at all (co2_monthly fills them by linear interpolation)."""
    lines = co2_file().read_text().splitlines()[1:]
    seen = {line[:6] for line in lines if line.split(",")[1].strip()}
    years, _ = co2_monthly()
    return len(years) - len(seen)


def split() -> int:
    """The index of the first held-out month."""
    return len(co2_monthly()[1]) - TEST_MONTHS


class Forecaster(torch.nn.Module):
    """Month-to-month changes (scaled) -> GRU -> at every step, the scaled changes to each of the next HORIZONS
    months. `scales` holds the training part's standard deviations: of one-month changes, then of each horizon's."""

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        self.rnn = torch.nn.GRU(1, hidden_size, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, HORIZONS)
        self.register_buffer("scales", torch.ones(HORIZONS + 1))

    def forward(self, changes: torch.Tensor) -> torch.Tensor:
        """changes (B, T) in ppm -> (B, T, HORIZONS) predicted changes in ppm, one row of them at every step."""
        states, _ = self.rnn((changes / self.scales[0])[:, :, None])
        return self.head(states) * self.scales[1:]


def _changes(series: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.diff(series)])


def _horizon_changes(series: np.ndarray) -> np.ndarray:
    """(N, HORIZONS): series[t + h] - series[t] for h = 1..HORIZONS, NaN past the end."""
    out = np.full((len(series), HORIZONS), np.nan)
    for h in range(1, HORIZONS + 1):
        out[:-h, h - 1] = series[h:] - series[:-h]
    return out


def train_forecaster(steps: int = 1000, hidden_size: int = 32, window: int = 60, warmup: int = 12,
                     batch_size: int = 32, lr: float = 3e-3, seed: int = 0) -> tuple[Forecaster, float]:
    """Adam on random windows of the training months; the loss is the mean squared scaled error at every step after
    `warmup` steps, over the targets that are training months too. Returns the model and the seconds it took."""
    _, series = co2_monthly()
    train = series[: split()]
    changes, targets = _changes(train), _horizon_changes(train)
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = Forecaster(hidden_size)
    model.scales.copy_(torch.tensor([changes[1:].std(), *np.nanstd(targets, axis=0)], dtype=torch.float32))
    x = torch.tensor(changes, dtype=torch.float32)
    y = torch.tensor(targets, dtype=torch.float32)
    optimizer = AdamSteps(model, lr, clip=1.0)
    start = time.perf_counter()
    for _ in range(steps):
        starts = torch.as_tensor(rng.integers(1, len(train) - window, batch_size))
        index = starts[:, None] + torch.arange(window)[None, :]
        predicted = model(x[index])[:, warmup:]
        wanted = y[index][:, warmup:]
        known = ~torch.isnan(wanted)
        error = (predicted - torch.nan_to_num(wanted)) / model.scales[1:]
        optimizer.step((error[known] ** 2).mean())
    return model.eval(), time.perf_counter() - start


def forecasts(model: Forecaster, window: int = 60) -> np.ndarray:
    """(N, HORIZONS): at every month t with `window` months of history, the model's forecast of the values
    1..HORIZONS months later, from the window of changes ending at t (NaN where there is no full window)."""
    _, series = co2_monthly()
    changes = torch.tensor(_changes(series), dtype=torch.float32)
    origins = np.arange(window, len(series))
    index = torch.as_tensor(origins)[:, None] - window + 1 + torch.arange(window)[None, :]
    with torch.no_grad():
        predicted = model(changes[index])[:, -1].double().numpy()
    out = np.full((len(series), HORIZONS), np.nan)
    out[origins] = series[origins, None] + predicted
    return out


def baselines() -> dict[str, np.ndarray]:
    """(N, HORIZONS) forecasts made at every month t of the value h months later: the last value, series[t]; the
    seasonal naive one, series[t + h - SEASON]; and that plus the last year's rise, series[t] - series[t - SEASON]
    (a stronger baseline for a series that climbs; NaN where a month before the series would be needed)."""
    _, series = co2_monthly()
    N = len(series)
    last = np.repeat(series[:, None], HORIZONS, axis=1)
    seasonal = np.full((N, HORIZONS), np.nan)
    for h in range(1, HORIZONS + 1):
        back = SEASON - h  # series[t + h - 12] = series[t - back]
        seasonal[back:, h - 1] = series[: N - back]
    rise = np.full((N, 1), np.nan)
    rise[SEASON:, 0] = series[SEASON:] - series[:-SEASON]
    return {"last value": last, "seasonal naive": seasonal, "seasonal naive + last year's rise": seasonal + rise}


def held_out_mae(forecast: np.ndarray) -> np.ndarray:
    """(HORIZONS,) mean absolute error in ppm over every forecast whose target is a held-out month: horizon h's
    forecasts are made at months cut - h .. N - 1 - h."""
    _, series = co2_monthly()
    cut, N = split(), len(series)
    out = np.zeros(HORIZONS)
    for h in range(1, HORIZONS + 1):
        origins = np.arange(cut - h, N - h)
        out[h - 1] = np.abs(forecast[origins, h - 1] - series[origins + h]).mean()
    return out


def train_all() -> dict:
    """The checkpoint's contents: the trained forecaster and what it and the baselines score on the held-out tail."""
    model, seconds = train_forecaster(**SETTINGS)
    scores = {"GRU": held_out_mae(forecasts(model, SETTINGS["window"])),
              **{name: held_out_mae(f) for name, f in baselines().items()}}
    return {"settings": SETTINGS, "torch": str(torch.__version__), "model": model.state_dict(),
            "results": {"seconds": seconds, "parameters": sum(p.numel() for p in model.parameters()),
                        "mae": {name: value.tolist() for name, value in scores.items()}}}
