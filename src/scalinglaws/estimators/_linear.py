"""Least-squares steps shared by the estimators: ordinary and non-negative, with a fixed design.

The design matrix of every official least-squares step is fixed during a fit (only the target
changes), so its pseudo-inverses are computed once and each solve is a small matrix-vector
product.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np


class FixedDesignLeastSquares:
    """argmin_b ||X b - t||_2 for a fixed X and many targets t."""

    def __init__(self, design: np.ndarray) -> None:
        self.pinv = np.linalg.pinv(design)

    def solve(self, target: np.ndarray) -> np.ndarray:
        return self.pinv @ target


class FixedDesignNNLS:
    """argmin_{b >= 0} ||X b - t||_2 for a fixed X with few columns (exact, by active sets).

    For full-column-rank X the solution is the unconstrained least-squares fit on the support
    where it is non-negative and the residual is smallest; with at most 3 columns all supports
    can be tried, which is cheaper than a general active-set solver call.
    """

    def __init__(self, design: np.ndarray) -> None:
        self.design = design
        n_cols = design.shape[1]
        sizes = range(n_cols, 0, -1)
        self.supports = [list(cols) for size in sizes for cols in combinations(range(n_cols), size)]
        self.pinvs = [np.linalg.pinv(design[:, cols]) for cols in self.supports]

        self.last = 0  # index of the support that solved the previous target

    def solve(self, target: np.ndarray) -> np.ndarray:
        warm = self._solve_on_support(self.last, target)
        if warm is not None:
            return warm
        return self._search(target)

    def _solve_on_support(self, which: int, target: np.ndarray) -> np.ndarray | None:
        """The solution on support ``which`` if it satisfies the KKT conditions, else None."""
        cols = self.supports[which]
        coef = self.pinvs[which] @ target
        if np.any(coef < 0):
            return None
        full = np.zeros(self.design.shape[1])
        full[cols] = coef
        if len(cols) == full.size:
            return full
        gradient = self.design.T @ (target - self.design @ full)
        outside = np.ones(full.size, dtype=bool)
        outside[cols] = False
        scale = 1e-10 * (1.0 + float(np.abs(self.design.T @ target).max()))
        return full if np.all(gradient[outside] <= scale) else None

    def _search(self, target: np.ndarray) -> np.ndarray:
        best, best_cost = np.zeros(self.design.shape[1]), float(target @ target)
        for which, (cols, pinv) in enumerate(zip(self.supports, self.pinvs, strict=True)):
            coef = pinv @ target
            if np.any(coef < 0):
                continue
            resid = target - self.design[:, cols] @ coef
            cost = float(resid @ resid)
            if cost < best_cost:
                best = np.zeros(self.design.shape[1])
                best[cols] = coef
                best_cost = cost
                self.last = which
            if len(cols) == self.design.shape[1]:
                break  # the unconstrained fit is feasible, hence optimal
        return best
