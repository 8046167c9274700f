"""Calibration of the predictive bands on the extrapolation points, per domain and estimator.

For each extrapolation point with predictive Student-t scale s and ν degrees of freedom around
log ŷ (:mod:`scalinglaws.bands`), the point is inside the central band of level ℓ when
|log y − log ŷ| ≤ t_{ν,(1+ℓ)/2}·s; the coverage of ℓ is the share of points inside. The
log-likelihood ``log_lik`` is the mean Student-t log density of log y (a density in log space,
the space the bands live in); ``log_lik_y`` is the density of y itself, log p(y) = log p(log y)
− log y (change of variables), i.e. ``log_lik`` minus the mean of log y over the scored points.
The mean squared calibration error (MSCE) is the mean over the levels ℓ = 0.50, 0.51, …, 0.99
of (coverage(ℓ) − ℓ)², pooled over the scored points, as NSL-PFN reports it (Lee et al. 2025,
"Bayesian Neural Scaling Laws Extrapolation with Prior-Fitted Networks", ICML). Each point's
central level u = 2·F_ν(|z|) − 1 (the smallest central band holding it) gives every coverage
at once: coverage(ℓ) = share of points with u ≤ ℓ.
:func:`early_part` (and :func:`held_out`) build curves whose "extrapolation points" are the last
fit points, used to choose the band's constants without looking at any Training=0 point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import special

from scalinglaws.curves import Curve

LEVELS = (0.5, 0.8, 0.95)
MSCE_LEVELS = tuple(round(0.5 + 0.01 * i, 2) for i in range(50))  # 0.50, 0.51, …, 0.99
GROUP = ["domain", "estimator"]


def coverage_column(level: float) -> str:
    """Name of the coverage column of ``level``, e.g. ``cover_80``."""
    return f"cover_{round(100 * level):d}"


def calibration_columns(levels: Sequence[float] = LEVELS) -> list[str]:
    """Columns of :func:`calibration_table`."""
    return [
        *GROUP, "n", "n_no_band", *map(coverage_column, levels), "msce", "log_lik", "log_lik_y",
    ]  # fmt: skip


def central_level(
    y: np.ndarray, y_pred: np.ndarray, scale: np.ndarray, df: np.ndarray
) -> np.ndarray:
    """Per point, the level of the smallest central band holding it: 2·F_ν(|z|) − 1."""
    z = np.abs(np.log(y) - np.log(y_pred)) / scale
    return 2.0 * special.stdtr(df, z) - 1.0


def t_log_density(z: np.ndarray, df: np.ndarray) -> np.ndarray:
    """log of Student's t density with ν = ``df`` at ``z``:
    log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − (ν+1)/2 · log(1 + z²/ν).

    Written with scipy.special (the ratio of gammas as ``poch(ν/2, ½)``) because importing
    scipy.stats costs every job about half a second.
    """
    df = np.asarray(df, dtype=float)
    return (
        np.log(special.poch(0.5 * df, 0.5))
        - 0.5 * (np.log(df) + np.log(np.pi))
        - (df + 1) / 2 * np.log1p(z * z / df)
    )


def msce(levels_of_points: np.ndarray, levels: Sequence[float] = MSCE_LEVELS) -> float:
    """Mean over ``levels`` of (coverage − level)² given each point's :func:`central_level`
    (NaN without points)."""
    u = np.asarray(levels_of_points, dtype=float)
    if u.size == 0:
        return float("nan")
    grid = np.asarray(levels, dtype=float)
    return float(msce_of_coverage((u[:, None] <= grid[None, :]).mean(axis=0), levels))


def msce_of_coverage(coverage: np.ndarray, levels: Sequence[float] = MSCE_LEVELS) -> np.ndarray:
    """Mean over ``levels`` of (coverage − level)², along the last axis of ``coverage`` (the
    share of points inside the central band of each level; one row per group)."""
    gaps = np.ascontiguousarray(np.asarray(coverage, dtype=float) - np.asarray(levels, float))
    return np.mean(gaps**2, axis=-1)


def point_scores(
    y: np.ndarray, y_pred: np.ndarray, scale: np.ndarray, df: np.ndarray, levels: Sequence[float]
) -> dict[str, np.ndarray]:
    """Per point: inside each band (1/0) and the log density of log y (module docstring)."""
    z = np.abs(np.log(y) - np.log(y_pred)) / scale
    scores = {
        coverage_column(lv): (z <= special.stdtrit(df, 0.5 + lv / 2)).astype(float) for lv in levels
    }
    scores["log_lik"] = t_log_density(z, df) - np.log(scale)
    scores["log_lik_y"] = scores["log_lik"] - np.log(y)
    return scores


def calibration_table(predictions: pd.DataFrame, levels: Sequence[float] = LEVELS) -> pd.DataFrame:
    """Coverage, MSCE and mean log-likelihoods per domain × estimator over the extrapolation rows.

    ``predictions`` has the columns of fitting.PREDICTION_COLUMNS (numbers). Rows without a band
    (NaN scale) are counted in ``n_no_band`` and left out of the averages. The same as
    :func:`calibration_from_sums` of :func:`calibration_sums` of its parts.
    """
    return calibration_from_sums(calibration_sums(predictions, levels), levels)


def calibration_sums(predictions: pd.DataFrame, levels: Sequence[float] = LEVELS) -> pd.DataFrame:
    """Per domain × estimator, the additive parts of :func:`calibration_table` over the
    extrapolation rows of ``predictions``: ``n``, ``n_no_band``, the sums of the per-point
    coverage and log-likelihood columns, and per level of :data:`MSCE_LEVELS` the number of
    points whose central level is at most it (``below_<i>``). The sums of several parts add
    up, so a file too large to hold is calibrated a part at a time."""
    rows = predictions[predictions["region"] == "extrapolation"]
    has_band = np.isfinite(rows["log_scale"].to_numpy(float))
    scored = rows[has_band]
    arrays = [scored[c].to_numpy(float) for c in ("y_true", "y_pred", "log_scale", "log_df")]
    frame = pd.DataFrame({g: scored[g].to_numpy() for g in GROUP})
    for column, values in point_scores(*arrays, levels=levels).items():
        frame[column] = values
    central = central_level(*arrays)
    below = {f"below_{i}": (central <= lv).astype(float) for i, lv in enumerate(MSCE_LEVELS)}
    frame = frame.assign(**below, n=1)
    sums = frame.groupby(GROUP, sort=True).sum()
    missing = rows[~has_band].groupby(GROUP, sort=True).size().rename("n_no_band")
    return sums.join(missing, how="outer").fillna(0).reset_index()


def calibration_from_sums(sums: pd.DataFrame, levels: Sequence[float] = LEVELS) -> pd.DataFrame:
    """:func:`calibration_table` from the rows of :func:`calibration_sums` (of one part or of
    many, concatenated): means per domain × estimator, MSCE from the counts below each level."""
    total = sums.groupby(GROUP, sort=True).sum()
    n = total["n"].where(total["n"] > 0)  # NaN means where no point has a band
    scores = [*map(coverage_column, levels), "log_lik", "log_lik_y"]
    table = total[scores].div(n, axis=0)
    below = total[[f"below_{i}" for i in range(len(MSCE_LEVELS))]].div(n, axis=0)
    table["msce"] = msce_of_coverage(below.to_numpy(float))
    table["n"] = total["n"].astype(int)
    table["n_no_band"] = total["n_no_band"].astype(int)
    return table.reset_index()[calibration_columns(levels)]


def held_out(curves: Iterable[Curve], fraction: float) -> list[Curve]:
    """Each curve cut to its first ``fraction`` of fit points; the rest become its test points.

    Training=0 points are dropped, so nothing chosen on these curves can see them.
    """
    out = []
    for curve in curves:
        keep = int(np.ceil(fraction * curve.n_fit))
        out.append(
            Curve(
                curve.key,
                curve.x_fit[:keep],
                curve.y_fit[:keep],
                curve.x_fit[keep:],
                curve.y_fit[keep:],
            )
        )
    return out


EARLY_FRACTION = 0.7  # share of the fit points' log-x range kept by early_part


def early_part(curve: Curve, fraction: float = EARLY_FRACTION) -> Curve:
    """The curve's fit points with log x ≤ log x₁ + ``fraction``·(log xₙ − log x₁) as fit
    points (at least min(4, n − 1) of them), its later fit points as test points.

    Training=0 points are dropped, so nothing chosen on these curves can see them.
    """
    log_x = np.log(curve.x_fit)
    cut = log_x[0] + fraction * (log_x[-1] - log_x[0])
    keep = int(np.sum(log_x <= cut + 1e-12))
    keep = min(max(keep, min(4, curve.n_fit - 1)), curve.n_fit - 1)
    return Curve(
        curve.key, curve.x_fit[:keep], curve.y_fit[:keep], curve.x_fit[keep:], curve.y_fit[keep:]
    )
