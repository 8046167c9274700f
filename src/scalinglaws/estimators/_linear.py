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
    can be tried, which is cheaper than a general active-set solver call. One product with a
    stacked operator (every support's pseudo-inverse, then X^T) gives each support's fit and
    X^T t at once; the KKT test of a support then needs only the Gram matrix X^T X.
    """

    def __init__(self, design: np.ndarray) -> None:
        self.design = design
        n_cols = design.shape[1]
        sizes = range(n_cols, 0, -1)
        self.supports = [list(cols) for size in sizes for cols in combinations(range(n_cols), size)]
        pinvs = [np.linalg.pinv(design[:, cols]) for cols in self.supports]
        self.stacked = np.vstack([*pinvs, design.T])
        self.starts = np.cumsum([0] + [len(cols) for cols in self.supports]).tolist()
        self.gram = (design.T @ design).tolist()
        self.last = 0  # index of the support that solved the previous target

    def solve(self, target: np.ndarray) -> np.ndarray:
        values = (self.stacked @ target).tolist()
        warm = self._kkt_solution(self.last, values)
        if warm is not None:
            return np.array(warm)
        return self._search(target, values)

    def _kkt_solution(self, which: int, values: list[float]) -> list[float] | None:
        """The solution on support ``which`` if it satisfies the KKT conditions, else None.

        ``values`` holds every support's least-squares fit, then X^T t.
        """
        cols = self.supports[which]
        coef = values[self.starts[which] : self.starts[which + 1]]
        if min(coef) < 0:
            return None
        n_cols = len(self.gram)
        full = [0.0] * n_cols
        for col, value in zip(cols, coef, strict=True):
            full[col] = value
        if len(cols) == n_cols:
            return full
        xt = values[-n_cols:]
        scale = 1e-10 * (1.0 + max(abs(v) for v in xt))
        for j in range(n_cols):
            if j not in cols:
                slope = xt[j] - sum(g * b for g, b in zip(self.gram[j], full, strict=True))
                if slope > scale:
                    return None
        return full

    def _search(self, target: np.ndarray, values: list[float]) -> np.ndarray:
        """The feasible support fit (from ``values``) with the smallest residual."""
        best, best_cost = np.zeros(self.design.shape[1]), float(target @ target)
        for which, cols in enumerate(self.supports):
            coef = values[self.starts[which] : self.starts[which + 1]]
            if min(coef) < 0:
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
