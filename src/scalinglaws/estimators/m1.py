"""M1: the pure power law ε_x = β x^c (Alabdulmohsin et al. 2022, Section 2).

Fitted as the official code does: one ordinary least-squares fit of log ε on [1, log x];
the sign of c is not constrained.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scalinglaws.estimators.base import Estimator, FitResult, ParamBounds
from scalinglaws.estimators.m2 import power_law


class M1(Estimator):
    """ε_x = β x^c, by least squares in log-log space."""

    name = "M1"
    law = staticmethod(power_law)
    # err_inf stays 0 (the pure power law)
    param_bounds: ClassVar[ParamBounds] = {"beta": (0.0, np.inf), "c": (-np.inf, np.inf)}

    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        design = np.column_stack([np.ones_like(x), np.log(x)])
        log_beta, c = np.linalg.lstsq(design, np.log(y), rcond=None)[0]
        params = {"beta": float(np.exp(log_beta)), "c": float(c), "err_inf": 0.0}
        return FitResult.of_law(power_law, params, x, y)
