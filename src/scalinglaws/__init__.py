"""scalinglaws: fit, benchmark and extrapolate neural scaling laws.

The library behind the Snakemake workflow; importable without Snakemake. The public API::

    import scalinglaws as sl
    fit = sl.fit(x, y)                    # ScalingLawFit: predict, interval, plot, save
    sl.load(path)                         # a saved fit
    sl.forecast("curves.csv", at=[10])    # every curve at 10× its largest x, with bands
    sl.compare(fit_a, fit_b, at=[10])     # predicted difference, its interval, the crossover

(:mod:`scalinglaws.api`, :mod:`scalinglaws.forecasting`; the workflow's pairwise comparisons
of a whole dataset are in :mod:`scalinglaws.comparisons`).

Reference: Alabdulmohsin, Neyshabur, Zhai, "Revisiting Neural Scaling Laws in
Language and Vision", NeurIPS 2022 (arXiv:2209.06640).
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

# The public names and the modules defining them. They are imported on first use (PEP 562),
# so that a job needing one module (e.g. scalinglaws.rankings) does not pay for scipy and the
# estimators: a rule job starts about half a second sooner.
_EXPORTS = {
    "scalinglaws.api": ("COMPARE_COLUMNS", "ScalingLawFit", "compare", "fit", "load"),
    "scalinglaws.bands": ("BandSettings",),
    "scalinglaws.curves": ("Curve", "CurveKey"),
    "scalinglaws.errors": ("FitError", "InputError", "ScalingLawsError"),
    "scalinglaws.forecasting": (
        "FORECAST_COLUMNS", "CurveFit", "fit_curves", "forecast", "forecast_fits", "load_curves",
    ),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

if TYPE_CHECKING:
    from scalinglaws.api import COMPARE_COLUMNS, ScalingLawFit, compare, fit, load
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


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'scalinglaws' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])


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
