"""scalinglaws: fit, benchmark and extrapolate neural scaling laws.

The library behind the Snakemake workflow; importable without Snakemake. The public API
(``import scalinglaws as sl``): :func:`fit`, :class:`ScalingLawFit`, :func:`load`,
:func:`forecast`, :func:`fit_curves`, :func:`compare`; see :mod:`scalinglaws.api` and
:mod:`scalinglaws.forecasting`. Its names are imported on first use, so ``import scalinglaws``
stays cheap.
Reference: Alabdulmohsin, Neyshabur, Zhai, "Revisiting Neural Scaling Laws in
Language and Vision", NeurIPS 2022 (arXiv:2209.06640).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "fit": "scalinglaws.api",
    "load": "scalinglaws.api",
    "compare": "scalinglaws.api",
    "ScalingLawFit": "scalinglaws.api",
    "COMPARE_COLUMNS": "scalinglaws.api",
    "forecast": "scalinglaws.forecasting",
    "forecast_fits": "scalinglaws.forecasting",
    "fit_curves": "scalinglaws.forecasting",
    "load_curves": "scalinglaws.forecasting",
    "CurveFit": "scalinglaws.forecasting",
    "FORECAST_COLUMNS": "scalinglaws.forecasting",
    "BandSettings": "scalinglaws.bands",
    "Curve": "scalinglaws.curves",
    "CurveKey": "scalinglaws.curves",
    "ScalingLawsError": "scalinglaws.errors",
    "InputError": "scalinglaws.errors",
    "FitError": "scalinglaws.errors",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    """The public names, imported from their modules on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'scalinglaws' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
