"""Per-domain win fractions and mean ranks of the estimators (Figure 1 bottom, Section 5).

The rule is the official notebook's win-probability cell, applied to every domain. A curve is
one ``(domain, task, model)``. On each curve a failed fit or a non-finite RMSE counts as an error
of 1.0. Every RMSE is truncated toward zero to ``decimals`` decimals (``int(e*1000)/1000``), and
every estimator that attains the curve's minimum wins ``1/(number of winners)``. An estimator's
win fraction is its summed wins over the domain's curves divided by the number of curves, so
the fractions of a domain sum to 1. Mean ranks use the same truncated errors (1 = best, ties
get the average rank).

The paper's Figure 1 bars for NMT, LM and BB instead give **full credit** to every tied
estimator (their bars sum to more than 1, where the notebook's fractions sum to 1):
``credit="full"`` does that. With a
``margin`` column (each fit's printed ±), an estimator also ties when its RMSE is at most the
best RMSE plus the best estimator's ± (a rule inferred from Tables 2-3, which it
reproduces; the paper does not state it).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

DOMAIN_ORDER = ("IC", "NMT", "LM", "BB")
"""Canonical domain order of the paper; other domains follow alphabetically."""

CURVE_COLUMNS = ("domain", "task", "model")
REQUIRED_COLUMNS = (*CURVE_COLUMNS, "estimator", "rmse", "status")
STATUSES = ("ok", "failed")
CREDIT_RULES = ("shared", "full")
"""``shared``: tied winners split the win (notebook); ``full``: each gets 1 (paper's bars)."""
FAILED_ERROR = 1.0
"""Error the notebook assigns to a NaN RMSE; used for failed fits too."""

BOUNDARY_RTOL = 1e-12
"""Values this close (relative) to a truncation boundary are taken to lie on it."""

RANKING_COLUMNS = (
    "domain",
    "estimator",
    "win_fraction",
    "mean_rmse",
    "mean_rank",
    "n_curves",
    "n_failed",
)


@dataclass(frozen=True)
class _Domain:
    """One domain's curves as matrices of shape (curves, estimators)."""

    name: str
    rmse: np.ndarray
    failed: np.ndarray
    margin: np.ndarray | None = None

    def truncated_errors(self, decimals: int) -> np.ndarray:
        """Notebook errors: failed -> 1.0, then truncated to ``decimals`` decimals."""
        return truncate(np.where(self.failed, FAILED_ERROR, self.rmse), decimals)


def truncate(values: ArrayLike, decimals: int = 3) -> np.ndarray:
    """Truncate toward zero to ``decimals`` decimals, as the notebook's ``int(e*1000)/1000``.

    Unlike the notebook, a value within :data:`BOUNDARY_RTOL` (relative) of a multiple of
    ``10**-decimals`` is snapped to it, so 0.013 stored as 0.012999999999999998 gives 0.013.
    The result of a boundary is the float nearest to it (``13/1000 == 0.013``). NaN stays NaN.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer) or decimals < 0:
        raise ValueError(f"decimals must be an integer >= 0, got {decimals!r}")
    scale = 10.0 ** int(decimals)
    scaled = np.asarray(values, dtype=float) * scale
    nearest = np.round(scaled)
    with np.errstate(invalid="ignore"):
        on_boundary = np.abs(scaled - nearest) <= BOUNDARY_RTOL * np.abs(nearest)
    return np.where(on_boundary, nearest, np.trunc(scaled)) / scale


def win_fractions(
    scores: pd.DataFrame, decimals: int = 3, credit: str = "shared", margin: str | None = None
) -> pd.DataFrame:
    """Columns ``domain, estimator, win_fraction``: the win rule, for every domain.

    ``credit`` is one of :data:`CREDIT_RULES`; ``margin`` names a column of ``scores`` with
    each fit's ± (NaN counts as 0): then every estimator whose RMSE is ≤ the best RMSE plus
    the best estimator's ± ties too (failed fits never do).
    """
    estimators, domains = _domains(scores, margin)
    rows = []
    for domain in domains:
        wins = _wins(domain.truncated_errors(decimals), credit, _margin_ties(domain))
        rows += [(domain.name, name, _column_mean(wins, j)) for j, name in enumerate(estimators)]
    return pd.DataFrame(rows, columns=["domain", "estimator", "win_fraction"])


def rankings(scores: pd.DataFrame, decimals: int = 3, credit: str = "shared") -> pd.DataFrame:
    """One row per (domain, estimator): win fraction, mean RMSE, mean rank, curves and failures.

    ``scores`` needs columns ``domain, task, model, estimator, rmse, status`` with one row per
    curve and estimator, and every estimator on every curve. ``mean_rmse`` averages the RMSE of
    the curves that did not fail (NaN if all failed); a row counts as failed when its status is
    ``"failed"`` or its RMSE is not finite. Domains come in :data:`DOMAIN_ORDER`, then
    alphabetically; estimators in order of first appearance. ``credit`` is the tie rule of
    the win fraction (:data:`CREDIT_RULES`).
    """
    estimators, domains = _domains(scores)
    rows = []
    for domain in domains:
        errors = domain.truncated_errors(decimals)
        wins, ranks = _wins(errors, credit), _average_ranks(errors)
        for j, name in enumerate(estimators):
            failed = domain.failed[:, j]
            rows.append(
                (
                    domain.name,
                    name,
                    _column_mean(wins, j),
                    _mean(domain.rmse[~failed, j]),
                    _column_mean(ranks, j),
                    int(failed.size),
                    int(failed.sum()),
                )
            )
    return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))


def _wins(errors: np.ndarray, credit: str = "shared", ties: np.ndarray | None = None) -> np.ndarray:
    """Per curve (row), the winners are the estimators equal to the row minimum (or in
    ``ties``); each gets 1/(number of winners) (``shared``) or 1 (``full``)."""
    if credit not in CREDIT_RULES:
        raise ValueError(f"credit must be one of {CREDIT_RULES}, got {credit!r}")
    winners = errors == errors.min(axis=1, keepdims=True)
    if ties is not None:
        winners |= ties
    if credit == "full":
        return winners.astype(float)
    return winners / winners.sum(axis=1, keepdims=True)


def _margin_ties(domain: _Domain) -> np.ndarray | None:
    """Estimators within the best's ± of the best RMSE, per curve; None without a margin."""
    if domain.margin is None:
        return None
    rmse = np.where(domain.failed, np.inf, domain.rmse)
    best = np.argmin(np.where(domain.failed, FAILED_ERROR, domain.rmse), axis=1)
    rows = np.arange(rmse.shape[0])
    margin = np.nan_to_num(domain.margin[rows, best], nan=0.0)
    limit = rmse[rows, best] + margin
    return rmse <= (limit * (1 + BOUNDARY_RTOL))[:, None]


def _column_mean(matrix: np.ndarray, j: int) -> float:
    """Mean of column ``j``, summed exactly so the result does not depend on row order."""
    return _mean(matrix[:, j])


def _mean(values: np.ndarray) -> float:
    """Exactly summed mean; NaN for no values."""
    return math.fsum(values) / values.size if values.size else float("nan")


def _domains(
    scores: pd.DataFrame, margin: str | None = None
) -> tuple[list[Hashable], list[_Domain]]:
    """Validate ``scores``; return the estimators and each domain's (curves x estimators) data."""
    rmse, failed = _checked_scores(scores)
    if margin is not None and margin not in scores.columns:
        raise ValueError(f"scores lacks the margin column {margin!r}")
    margins = None if margin is None else pd.to_numeric(scores[margin]).to_numpy(dtype=float)
    estimators = list(dict.fromkeys(scores["estimator"]))
    column = {name: j for j, name in enumerate(estimators)}
    curves: dict[tuple, int] = {}
    cells: dict[tuple[int, int], int] = {}
    keys = zip(*(scores[c] for c in CURVE_COLUMNS), strict=True)
    for row, (curve, name) in enumerate(zip(keys, scores["estimator"], strict=True)):
        cell = (curves.setdefault(curve, len(curves)), column[name])
        if cell in cells:
            raise ValueError(f"{_describe(curve)} has more than one row for estimator {name!r}")
        cells[cell] = row
    _check_complete(curves, cells, estimators)
    return estimators, _split_by_domain(curves, cells, len(estimators), rmse, failed, margins)


def _checked_scores(scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Check columns, keys, statuses and RMSE values; return (rmse, failed) per input row."""
    missing = [c for c in REQUIRED_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lacks column(s) {', '.join(missing)}")
    if scores.empty:
        raise ValueError("scores has no rows")
    keys = [*CURVE_COLUMNS, "estimator"]
    null_keys = [c for c in keys if scores[c].isna().any()]
    if null_keys:
        raise ValueError(f"scores has missing values in key column(s) {', '.join(null_keys)}")
    bad_status = sorted({str(s) for s in scores["status"]} - set(STATUSES))
    if bad_status:
        raise ValueError(f"status must be one of {STATUSES}, got {bad_status}")
    rmse = pd.to_numeric(scores["rmse"]).to_numpy(dtype=float)
    failed = (scores["status"] == "failed").to_numpy(dtype=bool) | ~np.isfinite(rmse)
    if (rmse[~failed] < 0).any():
        raise ValueError("scores has negative RMSE values")
    return rmse, failed


def _check_complete(curves: dict[tuple, int], cells: dict, estimators: Sequence) -> None:
    """Raise ValueError naming the first curve that lacks a row for some estimator."""
    for curve, i in curves.items():
        absent = [repr(e) for j, e in enumerate(estimators) if (i, j) not in cells]
        if absent:
            raise ValueError(
                f"{_describe(curve)} has no row for estimator(s) {', '.join(absent)}; "
                "every curve needs every estimator (record failed fits with status 'failed')"
            )


def _split_by_domain(
    curves: dict[tuple, int],
    cells: dict[tuple[int, int], int],
    n_estimators: int,
    rmse: np.ndarray,
    failed: np.ndarray,
    margin: np.ndarray | None = None,
) -> list[_Domain]:
    """Gather each domain's rows into (curves x estimators) matrices, domains in order."""
    rows = np.empty((len(curves), n_estimators), dtype=int)
    for (i, j), row in cells.items():
        rows[i, j] = row
    by_domain: dict[Hashable, list[int]] = {}
    for curve, i in curves.items():
        by_domain.setdefault(curve[0], []).append(i)
    return [
        _Domain(
            str(name),
            rmse[rows[by_domain[name]]],
            failed[rows[by_domain[name]]],
            None if margin is None else margin[rows[by_domain[name]]],
        )
        for name in domain_order(by_domain)
    ]


def domain_order(domains: Iterable[Hashable]) -> list[Hashable]:
    """Canonical domains first (IC, NMT, LM, BB), then the others alphabetically."""
    present = set(domains)
    known = [d for d in DOMAIN_ORDER if d in present]
    return known + sorted(present - set(DOMAIN_ORDER), key=str)


def _describe(curve: tuple) -> str:
    """Human-readable curve key for error messages."""
    return "curve " + ", ".join(f"{c}={v!r}" for c, v in zip(CURVE_COLUMNS, curve, strict=True))


def _average_ranks(errors: np.ndarray) -> np.ndarray:
    """Rank of each estimator on each curve (row), 1 = best, ties sharing their mean rank.

    pandas' ranking instead of scipy.stats.rankdata: importing scipy.stats costs ~1.4 s per job.
    """
    return pd.DataFrame(errors).rank(axis=1, method="average").to_numpy()
