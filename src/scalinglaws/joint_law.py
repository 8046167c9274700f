"""The two-variable law L(N, D) = E + A/N^α + B/D^β and compute-optimal allocation.

Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models"), approach 3, as
replicated by Besiroglu et al. 2024 ("Chinchilla Scaling: A replication attempt"):

* the law is fitted on log-loss, log L̂ = log(exp(log A − α log N) + exp(log B − β log D) + E),
  by minimising Σ Huber_δ(log L̂ − log L) with δ = 1e-3 (Hoffmann's value) over
  θ = (log A, log B, E ≥ 0, α, β), with L-BFGS-B. The starts are deterministic: a 30 × 30
  grid of (α, β), each completed by non-negative least squares for (E, A, B); the fit runs
  from the best few and keeps the lowest objective. E is a plain bounded parameter rather
  than Hoffmann's log E so that E = 0 (a pure power law) is reachable in a few steps;
* confidence intervals are percentile intervals over a seeded bootstrap that resamples the
  fit points with replacement and refits from the base optimum (Besiroglu et al.);
* under C ≈ 6 N D, minimising L at fixed C gives N*(C) = G (C/6)^a and D*(C) = (C/6)^b / G
  with a = β/(α+β), b = α/(α+β) and G = (αA / (βB))^{1/(α+β)} (Hoffmann, Appendix D.2).

The holdout is the largest model's late points (its Training = 0 rows): they are left out of
the fit and the law's log-RMSE on them is reported. Every other row is fitted.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

from scalinglaws.curves import DOMAIN, LOSS, ROW, SEEN, SOURCE, TRAINING
from scalinglaws.errors import FitError, InputError
from scalinglaws.uncertainty import percentile_interval

HUBER_DELTA = 1e-3
# Starting points: a grid over (α, β); E, A, B from non-negative least squares at each, and
# L-BFGS-B runs from the STARTS best of them.
EXPONENT_GRID = np.linspace(0.05, 1.5, 30)
STARTS = 4
_BOUNDS = [(-20.0, 80.0), (-20.0, 80.0), (0.0, np.inf), (0.0, 5.0), (0.0, 5.0)]
MAX_ITERATIONS = 500
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_SIZE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([KMBGT]?)\s*$", re.I)
PARAMS_COLUMNS = ["parameter", "estimate", "lo95", "hi95", "status", "error"]
OPTIMAL_COLUMNS = [
    "compute", "n_opt", "n_lo95", "n_hi95", "d_opt", "d_lo95", "d_hi95",
    "loss_opt", "loss_lo95", "loss_hi95",
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JointData:
    """Points (N, D, L); ``holdout`` marks the largest model's Training = 0 rows."""

    n: np.ndarray
    d: np.ndarray
    loss: np.ndarray
    holdout: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        """The distinct model sizes N, ascending."""
        return np.unique(self.n)


def parse_size(text: str) -> float:
    """A model size from text: a number, optionally with a K/M/B(G)/T suffix ("1.7B" → 1.7e9)."""
    found = _SIZE.match(str(text))
    if not found:
        raise ValueError(f"cannot read a model size from {text!r}")
    value = float(found.group(1)) * _SUFFIX[found.group(2).upper()]
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"model size {text!r} is not a positive number")
    return value


def joint_data(table: pd.DataFrame, domain: str | None, n_column: str) -> JointData:
    """The (N, D, L) points of ``domain`` in a table from :func:`scalinglaws.curves.read_tables`.

    N is parsed from ``n_column`` (see :func:`parse_size`). Raises InputError naming the
    file, row and column of the first bad value, or saying what the data lack.
    """
    files = ", ".join(dict.fromkeys(table[SOURCE].astype(str))) if SOURCE in table else "table"
    if n_column not in table.columns:
        raise InputError(
            f"has no column {n_column!r} holding the model size N (joint_law: n_column); "
            f"columns: {', '.join(c for c in table.columns if not c.startswith('_'))}",
            path=files,
        )
    rows = table if domain is None else table[table[DOMAIN] == domain]
    if rows.empty:
        raise InputError(f"has no rows of domain {domain!r} (joint_law: domain)", path=files)
    n = np.array([_size_at(rows, i, n_column) for i in range(len(rows))])
    data = JointData(
        n=n,
        d=rows[SEEN].to_numpy(dtype=float),
        loss=rows[LOSS].to_numpy(dtype=float),
        holdout=(n == n.max()) & (rows[TRAINING].to_numpy() == 0),
    )
    if data.sizes.size < 2:
        raise InputError(
            f"domain {domain!r} has one model size only (N = {data.sizes[0]:g} from column "
            f"{n_column!r}); L(N, D) needs at least 2",
            path=files,
        )
    return data


def _size_at(rows: pd.DataFrame, i: int, column: str) -> float:
    try:
        return parse_size(rows[column].iat[i])
    except ValueError as exc:
        where = {"path": rows[SOURCE].iat[i], "row": int(rows[ROW].iat[i])} if ROW in rows else {}
        raise InputError(str(exc), column=column, **where) from None


# --------------------------------------------------------------------------------------------
# The law and its fit
# --------------------------------------------------------------------------------------------


def log_law(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray) -> np.ndarray:
    """log L̂ = log(A N^−α + B D^−β + E), θ = (log A, log B, E, α, β)."""
    return np.log(_parts(theta, log_n, log_d).sum(axis=0))


def _parts(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray) -> np.ndarray:
    log_a, log_b, e, alpha, beta = theta
    return np.stack([np.exp(log_a - alpha * log_n), np.exp(log_b - beta * log_d),
                     np.full_like(log_n, e)])  # fmt: skip


def huber_objective(
    theta: np.ndarray, points: tuple[np.ndarray, ...], weights: np.ndarray
) -> tuple[float, np.ndarray]:
    """Σ w Huber_δ(log L̂ − log L) / (δ² Σ w) and its gradient (δ = :data:`HUBER_DELTA`).

    ``points`` is (log N, log D, log L); ``weights`` counts each point (duplicates, resamples).
    """
    log_n, log_d, log_y = points
    parts = _parts(theta, log_n, log_d)
    total = parts.sum(axis=0)
    r = np.log(total) - log_y
    small = np.abs(r) <= HUBER_DELTA
    scale = weights / (HUBER_DELTA**2 * weights.sum())  # O(1) values for L-BFGS-B's tolerances
    value = np.where(small, 0.5 * r**2, HUBER_DELTA * (np.abs(r) - 0.5 * HUBER_DELTA))
    dr = np.where(small, r, HUBER_DELTA * np.sign(r)) * scale / total  # ∂/∂L̂
    grad = np.array([
        (dr * parts[0]).sum(), (dr * parts[1]).sum(), dr.sum(),
        -(dr * parts[0] * log_n).sum(), -(dr * parts[1] * log_d).sum(),
    ])  # fmt: skip
    return float((value * scale).sum()), grad


def fit_from(
    theta0: np.ndarray, points: tuple[np.ndarray, ...], weights: np.ndarray
) -> tuple[np.ndarray, float]:
    """One L-BFGS-B run from ``theta0``: (θ, objective)."""
    result = minimize(
        huber_objective,
        theta0,
        args=(points, weights),
        jac=True,
        method="L-BFGS-B",
        bounds=_BOUNDS,
        options={"maxiter": MAX_ITERATIONS, "ftol": 1e-12, "gtol": 1e-8},
    )
    return result.x, float(result.fun)


def unique_points(n, d, loss) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """(log N, log D, log L) of the distinct points, their counts, and each row's point index."""
    stacked = np.column_stack([n, d, loss])
    uniq, index, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    return tuple(np.log(uniq).T), counts.astype(float), index.ravel()


def fit_grid(n: np.ndarray, d: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """θ minimising the Huber objective: L-BFGS-B from the :func:`starting_points`, best kept."""
    points, weights, _ = unique_points(n, d, loss)
    best, best_value = None, np.inf
    for start in starting_points(n, d, loss):
        theta, value = fit_from(start, points, weights)
        if np.isfinite(value) and value < best_value:
            best, best_value = theta, value
    if best is None:
        raise FitError("L(N, D): no starting point gave a finite fit")
    return best


def starting_points(n: np.ndarray, d: np.ndarray, loss: np.ndarray) -> list[np.ndarray]:
    """The :data:`STARTS` best θ over the (α, β) grid, E, A, B ≥ 0 by least squares.

    At fixed (α, β) the law is linear in (E, A, B); minimising Σ (L̂/L − 1)² (≈ the squared
    log residual) over E, A, B ≥ 0 is a small non-negative least-squares problem.
    """
    candidates = []
    for alpha, beta in itertools.product(EXPONENT_GRID, EXPONENT_GRID):
        design = np.column_stack([n**-alpha, d**-beta, np.ones_like(n)]) / loss[:, None]
        norms = np.linalg.norm(design, axis=0)
        coef, residual = nnls(design / norms, np.ones_like(loss))
        coef = np.maximum(coef / norms, 1e-8)
        candidates.append((residual, [np.log(coef[0]), np.log(coef[1]), coef[2], alpha, beta]))
    candidates.sort(key=lambda item: item[0])
    return [np.clip(theta, *np.array(_BOUNDS, dtype=float).T) for _, theta in candidates[:STARTS]]


def bootstrap(theta: np.ndarray, n, d, loss, replicates: int, seed: int) -> np.ndarray:
    """θ refitted from ``theta`` on ``replicates`` resamples (rows drawn with replacement).

    A resample is a reweighting of the distinct points by how often their rows were drawn.
    """
    rng = np.random.default_rng(seed)
    points, _, index = unique_points(n, d, loss)
    out = np.empty((replicates, theta.size))
    for k in range(replicates):
        weights = np.bincount(index[rng.integers(0, n.size, n.size)], minlength=points[0].size)
        out[k] = fit_from(theta, points, weights.astype(float))[0]
    return out


# --------------------------------------------------------------------------------------------
# Derived quantities
# --------------------------------------------------------------------------------------------


def derived(theta: np.ndarray) -> dict[str, float]:
    """E, A, B, α, β and the compute-optimal a, b, G (Hoffmann, Appendix D.2) from θ."""
    log_a, log_b, e, alpha, beta = (float(v) for v in theta)
    total = alpha + beta
    log_g = np.nan
    if min(alpha, beta) > 0:
        log_g = (np.log(alpha) + log_a - np.log(beta) - log_b) / total
    return {
        "E": e,
        "A": np.exp(log_a),
        "B": np.exp(log_b),
        "alpha": alpha,
        "beta": beta,
        "a": beta / total,
        "b": alpha / total,
        "G": np.exp(log_g),
    }


def compute_optimal(theta: np.ndarray, compute: np.ndarray) -> dict[str, np.ndarray]:
    """N*(C) = G (C/6)^a, D*(C) = (C/6)^b / G and L(N*, D*) at budgets ``compute`` (C = 6ND)."""
    p = derived(theta)
    base = np.asarray(compute, dtype=float) / 6.0
    n_opt = p["G"] * base ** p["a"]
    d_opt = base ** p["b"] / p["G"]
    loss = np.exp(log_law(theta, np.log(n_opt), np.log(d_opt)))
    return {"n_opt": n_opt, "d_opt": d_opt, "loss_opt": loss}


def holdout_rmse(theta: np.ndarray, data: JointData) -> float:
    """√mean (log L̂ − log L)² over the holdout points (NaN when there are none)."""
    if not data.holdout.any():
        return float("nan")
    h = data.holdout
    pred = log_law(theta, np.log(data.n[h]), np.log(data.d[h]))
    return float(np.sqrt(np.mean((pred - np.log(data.loss[h])) ** 2)))


def compute_budgets(data: JointData) -> np.ndarray:
    """Powers of ten spanning 6ND over the data, up to 100× the largest."""
    c = 6.0 * data.n * data.d
    return 10.0 ** np.arange(np.floor(np.log10(c.min())), np.ceil(np.log10(c.max())) + 3)


# --------------------------------------------------------------------------------------------
# The whole analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JointFit:
    """Base fit θ, bootstrap θs, and the data they came from."""

    theta: np.ndarray
    replicates: np.ndarray
    data: JointData

    def params_table(self) -> pd.DataFrame:
        """parameter, estimate, lo95, hi95 (bootstrap percentiles), status, error."""
        names = [*derived(self.theta), "holdout_log_rmse"]
        base = [*derived(self.theta).values(), holdout_rmse(self.theta, self.data)]
        boot = np.array(
            [[*derived(t).values(), holdout_rmse(t, self.data)] for t in self.replicates]
        ).reshape(-1, len(names))
        lo, hi = percentile_interval(boot)
        return pd.DataFrame(
            {"parameter": names, "estimate": base, "lo95": lo, "hi95": hi,
             "status": "ok", "error": ""}
        )  # fmt: skip

    def optimal_table(self) -> pd.DataFrame:
        """N*, D*, L* with 95 % bootstrap intervals at :func:`compute_budgets`."""
        budgets = compute_budgets(self.data)
        base = compute_optimal(self.theta, budgets)
        boots = [compute_optimal(t, budgets) for t in self.replicates]
        table = {"compute": budgets}
        for key, short in (("n_opt", "n"), ("d_opt", "d"), ("loss_opt", "loss")):
            samples = np.array([b[key] for b in boots]).reshape(-1, budgets.size)
            lo, hi = percentile_interval(samples)
            table.update({key: base[key], f"{short}_lo95": lo, f"{short}_hi95": hi})
        return pd.DataFrame(table, columns=OPTIMAL_COLUMNS)


def fit_joint(data: JointData, replicates: int, seed: int) -> JointFit:
    """Fit L(N, D) on every non-holdout point, then bootstrap it."""
    keep = ~data.holdout
    n, d, loss = data.n[keep], data.d[keep], data.loss[keep]
    theta = fit_grid(n, d, loss)
    return JointFit(theta, bootstrap(theta, n, d, loss, replicates, seed), data)


def failure_tables(reason: str, status: str = "failed") -> tuple[pd.DataFrame, pd.DataFrame]:
    """params.csv and compute_optimal.csv recording a fit that did not run (``status``
    ``failed`` or ``skipped``) and its reason."""
    params = pd.DataFrame(
        [{"parameter": "", "estimate": np.nan, "lo95": np.nan, "hi95": np.nan,
          "status": status, "error": reason}],
        columns=PARAMS_COLUMNS,
    )  # fmt: skip
    return params, pd.DataFrame(columns=OPTIMAL_COLUMNS)
