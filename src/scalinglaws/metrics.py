"""Extrapolation error of a scaling law: the paper's Eq. (6) and the notebook's standard error.

Eq. (6) of Alabdulmohsin et al. (2022) scores a fitted law on the extrapolation split by the
root mean squared error of the natural logs, ``sqrt(mean((ln y_pred - ln y_true)^2))``. The
released notebook's ``get_error`` also returns a standard error,
``sqrt(MSE + std(e)/sqrt(n)) - sqrt(MSE)`` with ``std`` at ddof=0 and ``n`` the number of test
rows (duplicated rows count). The paper's printed "±" values are reproduced by the same formula
with ``std(e)`` multiplied by 3; that factor is inferred from the printed values (it
reproduces them), not something the paper states.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

NOTEBOOK_SE_FACTOR = 1.0
"""Factor on ``std(e)/sqrt(n)`` in the released notebook's ``get_error``."""

PAPER_SE_FACTOR = 3.0
"""Factor that reproduces the paper's printed "±" values (inferred, see the module docstring)."""


def squared_log_errors(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Elementwise ``(ln y_pred - ln y_true)^2``, the summand of Eq. (6).

    Entries whose prediction is not a finite positive number are NaN. ``y_true`` must be
    finite and positive (it is an observed loss); inputs of any equal shape are flattened.
    """
    y_true, y_pred = _checked_pair(y_true, y_pred)
    usable = np.isfinite(y_pred) & (y_pred > 0)
    safe_pred = np.where(usable, y_pred, 1.0)
    errors = (np.log(safe_pred) - np.log(y_true)) ** 2
    return np.where(usable, errors, np.nan)


def extrapolation_rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Eq. (6): ``sqrt(mean(e))``; NaN if any prediction is non-finite or <= 0."""
    errors = squared_log_errors(y_true, y_pred)
    if np.isnan(errors).any():
        return float("nan")
    return float(np.sqrt(np.mean(errors)))


def rmse_standard_error(
    y_true: ArrayLike, y_pred: ArrayLike, *, factor: float = NOTEBOOK_SE_FACTOR
) -> float:
    """Notebook ``get_error`` standard error: ``sqrt(MSE + factor*std(e)/sqrt(n)) - sqrt(MSE)``.

    ``std`` has ddof=0 and ``n`` counts every test row, duplicates included. ``factor=1`` is the
    released notebook (:data:`NOTEBOOK_SE_FACTOR`), ``factor=3`` the paper's printed "±"
    (:data:`PAPER_SE_FACTOR`). A single test point gives 0.0; an unusable prediction gives NaN.
    The difference is computed as ``d / (sqrt(MSE + d) + sqrt(MSE))``, which equals the
    notebook's expression but does not lose digits to cancellation when ``d`` is small.
    """
    if not (np.isfinite(factor) and factor >= 0):
        raise ValueError(f"factor must be a finite number >= 0, got {factor!r}")
    errors = squared_log_errors(y_true, y_pred)
    if np.isnan(errors).any():
        return float("nan")
    if errors.size == 1:
        return 0.0
    mse = float(np.mean(errors))
    spread = factor * float(np.std(errors, ddof=0)) / np.sqrt(errors.size)
    if spread == 0.0:
        return 0.0
    return float(spread / (np.sqrt(mse + spread) + np.sqrt(mse)))


def _checked_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Float copies of both arrays, flattened, after checking shape, size and ``y_true``."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: Eq. (6) needs at least one test point")
    y_true, y_pred = y_true.ravel(), y_pred.ravel()
    if not (np.isfinite(y_true).all() and (y_true > 0).all()):
        raise ValueError(
            "y_true must be finite and > 0 (observed losses are compared in log space)"
        )
    return y_true, y_pred
