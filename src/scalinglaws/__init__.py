"""scalinglaws: fit, benchmark and extrapolate neural scaling laws.

The library behind the Snakemake workflow; importable without Snakemake. The public API::

    import scalinglaws as sl
    fit = sl.fit(x, y)                    # ScalingLawFit: predict, interval, plot, save
    sl.load(path)                         # a saved fit
    sl.forecast("curves.csv", at=[10])    # every curve at 10× its largest x, with bands
    sl.compare(fit_a, fit_b, at=[10])     # predicted difference, its interval, the crossover

(:mod:`scalinglaws.api`, :mod:`scalinglaws.forecasting`). ``sl.compare`` is the module
:mod:`scalinglaws.compare` (the workflow's comparisons), made callable as
:func:`scalinglaws.api.compare`, so that both uses of the name keep working.

Reference: Alabdulmohsin, Neyshabur, Zhai, "Revisiting Neural Scaling Laws in
Language and Vision", NeurIPS 2022 (arXiv:2209.06640).
"""

from __future__ import annotations

import inspect
import types
from typing import Any

__version__ = "0.1.0"

from scalinglaws import api as _api
from scalinglaws import compare as _comparisons
from scalinglaws.api import COMPARE_COLUMNS, ScalingLawFit, fit, load
from scalinglaws.bands import BandSettings
from scalinglaws.curves import Curve, CurveKey
from scalinglaws.errors import FitError, InputError, ScalingLawsError
from scalinglaws.forecasting import (
    FORECAST_COLUMNS,
    CurveFit,
    fit_curves,
    forecast,
    forecast_fits,
    load_curves,
)


class _CallableModule(types.ModuleType):
    """The module :mod:`scalinglaws.compare`, callable as :func:`scalinglaws.api.compare`."""

    def __call__(self, fit_a: ScalingLawFit, fit_b: ScalingLawFit, *args: Any, **kwargs: Any):
        """sl.compare(fit_a, fit_b, at=(2, 10, 100), x=None, level=0.95, ...): see
        :func:`scalinglaws.api.compare`."""
        return _api.compare(fit_a, fit_b, *args, **kwargs)


_comparisons.__class__ = _CallableModule
_comparisons.__signature__ = inspect.signature(_api.compare)
compare = _comparisons

__all__ = [
    "COMPARE_COLUMNS",
    "FORECAST_COLUMNS",
    "BandSettings",
    "Curve",
    "CurveFit",
    "CurveKey",
    "FitError",
    "InputError",
    "ScalingLawFit",
    "ScalingLawsError",
    "__version__",
    "compare",
    "fit",
    "fit_curves",
    "forecast",
    "forecast_fits",
    "load",
    "load_curves",
]
