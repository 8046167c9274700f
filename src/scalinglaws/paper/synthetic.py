"""The synthetic logistic-regression learning curve of Figure 2 (Alabdulmohsin et al. 2022, §3).

Inputs x are uniform on the unit sphere S^{d-1}; the label is sign(⟨w*, x⟩), flipped with
probability δ. A logistic-regression classifier ŵ is trained on the first n points of one
stream of samples, for every n of a size grid, and its misclassification rate ε_n is recorded.

**Exact test error.** For x uniform on the sphere, sign(⟨ŵ, x⟩) ≠ sign(⟨w*, x⟩) on a set of
measure θ/π, where θ is the angle between ŵ and w* (the two half-spaces differ by two wedges of
angle θ). A prediction is wrong when it disagrees with the clean label and the label was kept,
or agrees and the label was flipped, so ε(ŵ) = δ + (1 − 2δ) θ/π with no test set; the Bayes
risk is δ and the excess risk is (1 − 2δ) θ/π.

**Solver.** ŵ minimises Σ_i log(1 + exp(−y_i ⟨w, x_i⟩)) + (λ/2)‖w‖² (a weak ridge that keeps
the minimiser finite when the n < d points are separable). Newton's method, warm-started from
the previous size's ŵ; for n above ``hessian_points`` the Hessian is computed on the first
``hessian_points`` samples and scaled by n/m (subsampled Newton). The gradient is always exact,
so the iteration still converges to the exact minimiser, only linearly instead of
quadratically. A backtracking line search keeps every step a descent step.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.fitting import failure_reason

DOMAIN = "synthetic"
MODEL = "logistic_regression"
CURVE_CSV_COLUMNS = ["Domain", "Task", "Model", "Seen Examples", "Loss", "Training"]


@dataclass(frozen=True)
class Setup:
    """One synthetic experiment: dimension d, noise δ, the size grid, repetitions and solver."""

    dimension: int = 100
    noise: float = 0.2
    size_min: float = 10.0
    size_max: float = 1e6
    size_count: int = 50
    repetitions: int = 2
    seed: int = 0
    ridge: float = 1e-2
    hessian_points: int = 20_000
    tolerance: float = 1e-5
    max_newton_steps: int = 100

    def __post_init__(self) -> None:
        if self.dimension < 2:
            raise ScalingLawsError(f"synthetic: dimension must be >= 2, got {self.dimension}")
        if not 0.0 <= self.noise < 0.5:
            raise ScalingLawsError(f"synthetic: noise must be in [0, 0.5), got {self.noise}")
        if not 1 <= self.size_min < self.size_max or self.size_count < 2:
            raise ScalingLawsError(
                "synthetic: sizes need 1 <= min < max and count >= 2, got "
                f"min={self.size_min}, max={self.size_max}, count={self.size_count}"
            )
        if self.repetitions < 1:
            raise ScalingLawsError(f"synthetic: repetitions must be >= 1, got {self.repetitions}")

    def sizes(self) -> np.ndarray:
        """Training sizes: geomspace(min, max, count) rounded to integers (unique)."""
        grid = np.geomspace(self.size_min, self.size_max, self.size_count)
        return np.unique(np.rint(grid).astype(np.int64))

    @property
    def task(self) -> str:
        return f"sphere_d{self.dimension}_noise{self.noise:g}"


def test_error(w: np.ndarray, w_star: np.ndarray, noise: float) -> float:
    """Exact misclassification rate on the sphere: δ + (1 − 2δ) θ/π, θ = ∠(w, w*)."""
    norm = float(np.linalg.norm(w) * np.linalg.norm(w_star))
    if norm == 0.0:
        return 0.5  # a zero classifier is a coin flip (ties broken at random)
    cosine = float(np.clip(np.dot(w, w_star) / norm, -1.0, 1.0))
    return noise + (1.0 - 2.0 * noise) * math.acos(cosine) / math.pi


def sample(
    rng: np.random.Generator, n: int, w_star: np.ndarray, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform on S^{d-1} (float32) and labels ±1 = sign(⟨w*, x⟩) flipped w.p. δ."""
    x = rng.standard_normal((n, w_star.size), dtype=np.float32)
    x /= np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
    clean = np.where(x @ w_star.astype(np.float32) >= 0, 1.0, -1.0).astype(np.float32)
    flip = rng.random(n) < noise
    return x, np.where(flip, -clean, clean).astype(np.float32)


def _loss_grad(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, ridge: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Σ log(1 + e^{−y⟨w,x⟩}) + (λ/2)‖w‖², its gradient, and the margins' weights σ(m)σ(−m)."""
    margin = y * (x @ w.astype(np.float32)).astype(np.float64)
    loss = float(np.logaddexp(0.0, -margin).sum()) + 0.5 * ridge * float(w @ w)
    p_wrong = 0.5 * (1.0 - np.tanh(0.5 * margin))  # σ(−m), stable
    coef = (-y * p_wrong).astype(np.float32)
    grad = (coef @ x).astype(np.float64) + ridge * w
    return loss, grad, p_wrong * (1.0 - p_wrong)


def _hessian(x: np.ndarray, weights: np.ndarray, n: int, ridge: float) -> np.ndarray:
    """Σ σ'(m_i) x_i x_iᵀ over the first m points, scaled by n/m, plus λI."""
    m = min(n, x.shape[0])
    xs = x[:m]
    hess = ((xs * weights[:m, None].astype(np.float32)).T @ xs).astype(np.float64) * (n / m)
    return hess + ridge * np.eye(x.shape[1])


def fit_logistic(x: np.ndarray, y: np.ndarray, w0: np.ndarray, setup: Setup) -> np.ndarray:
    """The ridge logistic-regression minimiser, by (subsampled) Newton from ``w0``.

    Steps are halved until the loss does not rise beyond float32 rounding (relative 1e-9);
    the iteration stops when a step moves ŵ by less than ``tolerance`` relative to ‖ŵ‖. Once
    steps are small (< 1 % of ‖ŵ‖) the Hessian is kept (a chord step): it only sets the rate.
    """
    n = x.shape[0]
    w = w0.astype(np.float64).copy()
    loss, grad, weights = _loss_grad(x, y, w, setup.ridge)
    hess, relative = None, math.inf
    for _ in range(setup.max_newton_steps):
        if hess is None or relative > 1e-2:
            hess = _hessian(x[: setup.hessian_points], weights, n, setup.ridge)
        step = np.linalg.solve(hess, grad)
        for _halving in range(40):
            new = w - step
            new_loss, new_grad, new_weights = _loss_grad(x, y, new, setup.ridge)
            if new_loss <= loss + 1e-9 * abs(loss):
                break
            step = 0.5 * step
        w, loss, grad, weights = new, new_loss, new_grad, new_weights
        relative = float(np.linalg.norm(step)) / max(1.0, float(np.linalg.norm(w)))
        if relative <= setup.tolerance:
            break
    return w


def learning_curve_run(setup: Setup, rng: np.random.Generator) -> np.ndarray:
    """Test errors of one repetition at every size (nested samples, warm-started fits)."""
    sizes = setup.sizes()
    w_star = rng.standard_normal(setup.dimension)
    w_star /= np.linalg.norm(w_star)
    x, y = sample(rng, int(sizes[-1]), w_star, setup.noise)
    w = np.zeros(setup.dimension)
    errors = np.empty(sizes.size)
    for i, n in enumerate(sizes):
        w = fit_logistic(x[:n], y[:n], w, setup)
        errors[i] = test_error(w, w_star, setup.noise)
    return errors


def simulate(setup: Setup) -> pd.DataFrame:
    """Columns ``x, error, excess_risk, error_se``: the mean over repetitions at every size.

    ``error`` is ε_x (exact, see :func:`test_error`), ``excess_risk`` = ε_x − δ and
    ``error_se`` the standard error of the mean over repetitions (0 for one repetition).
    """
    rng = np.random.default_rng(setup.seed)
    runs = np.array([learning_curve_run(setup, rng) for _ in range(setup.repetitions)])
    mean = runs.mean(axis=0)
    se = runs.std(axis=0, ddof=1) / math.sqrt(runs.shape[0]) if runs.shape[0] > 1 else 0 * mean
    return pd.DataFrame(
        {
            "x": setup.sizes().astype(float),
            "error": mean,
            "excess_risk": mean - setup.noise,
            "error_se": se,
        }
    )


def curve_frame(curve: pd.DataFrame, setup: Setup) -> pd.DataFrame:
    """The simulated curve in the benchmark's long CSV format (a dataset users can rerun).

    ``Training`` follows the paper's split (Section 5): 1 for x ≤ x_max / 2, else 0.
    """
    x = curve["x"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "Domain": DOMAIN,
            "Task": setup.task,
            "Model": MODEL,
            "Seen Examples": x,
            "Loss": curve["error"].to_numpy(dtype=float),
            "Training": (x <= x.max() / 2).astype(int),
        },
        columns=CURVE_CSV_COLUMNS,
    )


FIT_COLUMNS = ["cutoff", "estimator", "n_fit", "status", "error", "params"]

# Figure 2's legend exponents (the paper's Figure 2 legends), by cutoff and estimator.
PAPER_EXPONENTS = {
    0: {"M1": -0.09, "M2": -0.14, "M3": -0.12, "M4": -0.57},
    100: {"M1": -0.09, "M2": -0.45, "M3": -0.17, "M4": -0.49},
    1000: {"M1": -0.05, "M2": -0.48, "M3": -0.12, "M4": -0.49},
}

# Figure 2's data, read off the paper's vector graphic (±~2 % in log): the excess risk at
# geomspace(10, 1e6, 50).
PAPER_EXCESS_RISK = (
    0.273, 0.268, 0.251, 0.257, 0.257, 0.248, 0.246, 0.259, 0.241, 0.227,
    0.223, 0.212, 0.218, 0.202, 0.203, 0.175, 0.158, 0.144, 0.124, 0.109,
    0.095, 0.0878, 0.0824, 0.0749, 0.0594, 0.0593, 0.0482, 0.0454, 0.0401, 0.0359,
    0.0325, 0.0308, 0.026, 0.0227, 0.0204, 0.0184, 0.0159, 0.0139, 0.013, 0.012,
    0.0101, 0.00986, 0.00876, 0.00738, 0.00704, 0.00622, 0.0059, 0.00501, 0.00445, 0.00418,
)  # fmt: skip


def fit_cutoffs(
    curve: pd.DataFrame, cutoffs: list[float], estimators: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """Fit every estimator to D_τ = {(x, ε_x): x ≥ τ} for every cutoff τ (Figure 2).

    ``estimators`` maps a registered name to its options. The laws are fitted to the error
    ε_x itself (not the excess risk), as in the paper. A failed fit is a row with its reason.
    """
    x = curve["x"].to_numpy(dtype=float)
    y = curve["error"].to_numpy(dtype=float)
    rows = []
    for cutoff in cutoffs:
        keep = x >= cutoff
        for name, options in estimators.items():
            row = {"cutoff": cutoff, "estimator": name, "n_fit": int(keep.sum())}
            try:
                result = registry.make(name, **options).fit(x[keep], y[keep])
            except Exception as exc:  # one failing fit must not sink the figure
                rows.append(
                    {**row, "status": "failed", "error": failure_reason(exc), "params": "{}"}
                )
                continue
            params = json.dumps(result.params, sort_keys=True)
            rows.append({**row, "status": "ok", "error": "", "params": params})
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def read_off_comparison(curve: pd.DataFrame) -> pd.DataFrame:
    """Our excess risk next to the paper's read-off values (when the grid is the paper's).

    Columns ``x, ours, paper, log_ratio``; empty if the size grid has not 50 points.
    """
    if len(curve) != len(PAPER_EXCESS_RISK):
        return pd.DataFrame(columns=["x", "ours", "paper", "log_ratio"])
    ours = curve["excess_risk"].to_numpy(dtype=float)
    paper = np.array(PAPER_EXCESS_RISK)
    return pd.DataFrame(
        {"x": curve["x"], "ours": ours, "paper": paper, "log_ratio": np.log(ours / paper)}
    )
