"""Calibration of the predictive bands on the extrapolation points, per domain and estimator.

For each extrapolation point with predictive Student-t scale s and ν degrees of freedom around
log ŷ (:mod:`scalinglaws.bands`), the point is inside the central band of level ℓ when
|log y − log ŷ| ≤ t_{ν,(1+ℓ)/2}·s; the coverage of ℓ is the share of points inside. The
log-likelihood is the mean Student-t log density of log y (a density in log space).
:func:`held_out` builds curves whose "extrapolation points" are the last fit points, used to
choose the band's global constants without looking at any Training=0 point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from scalinglaws.curves import Curve

LEVELS = (0.5, 0.8, 0.95)
GROUP = ["domain", "estimator"]


def coverage_column(level: float) -> str:
    """Name of the coverage column of ``level``, e.g. ``cover_80``."""
    return f"cover_{round(100 * level):d}"


def calibration_columns(levels: Sequence[float] = LEVELS) -> list[str]:
    """Columns of :func:`calibration_table`."""
    return [*GROUP, "n", "n_no_band", *map(coverage_column, levels), "log_lik"]


def point_scores(
    y: np.ndarray, y_pred: np.ndarray, scale: np.ndarray, df: np.ndarray, levels: Sequence[float]
) -> dict[str, np.ndarray]:
    """Per point: inside each band (1/0) and the log density of log y (module docstring)."""
    z = np.abs(np.log(y) - np.log(y_pred)) / scale
    scores = {
        coverage_column(lv): (z <= stats.t.ppf(0.5 + lv / 2, df)).astype(float) for lv in levels
    }
    scores["log_lik"] = stats.t.logpdf(z, df) - np.log(scale)
    return scores


def calibration_table(predictions: pd.DataFrame, levels: Sequence[float] = LEVELS) -> pd.DataFrame:
    """Coverage and mean log-likelihood per domain × estimator over the extrapolation rows.

    ``predictions`` has the columns of fitting.PREDICTION_COLUMNS (numbers). Rows without a band
    (NaN scale) are counted in ``n_no_band`` and left out of the averages.
    """
    rows = predictions[predictions["region"] == "extrapolation"]
    has_band = np.isfinite(rows["log_scale"].to_numpy(float))
    scored = rows[has_band].copy()
    scores = point_scores(
        *(scored[c].to_numpy(float) for c in ("y_true", "y_pred", "log_scale", "log_df")),
        levels=levels,
    )
    for column, values in scores.items():
        scored[column] = values
    table = scored.groupby(GROUP, sort=True)[list(scores)].mean()
    table["n"] = scored.groupby(GROUP, sort=True).size()
    missing = rows[~has_band].groupby(GROUP, sort=True).size()
    table = table.join(missing.rename("n_no_band"), how="outer").reset_index()
    table["n"] = table["n"].fillna(0).astype(int)
    table["n_no_band"] = table["n_no_band"].fillna(0).astype(int)
    return table[calibration_columns(levels)]


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
