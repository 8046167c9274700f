"""The interface every scaling-law estimator implements.

An estimator is configured at construction (options only, no data). ``fit(x, y)`` returns a
:class:`FitResult` with the fitted parameters (a plain dict using the paper's names: ``beta``,
``c``, ``err_inf``, ``err_0``, ``alpha``, ``gamma``), the objective value, the iteration count,
a converged flag and a message; ``FitResult.predict(x)`` is vectorised over ``x``.
Estimators never read files, print, or know about Snakemake; a fit that cannot give a usable
result raises :class:`~scalinglaws.errors.FitError` with the reason.

Every fit must describe its own fit points (:func:`check_fit_region`): its log-RMSE over them
may not exceed max(``FIT_FLOOR``, ``FIT_FACTOR`` × σ̂), σ̂ the log-RMSE of the least-squares
straight line log y = a + b log x (the pure power law M1, which every law here contains or
nearly contains). σ̂ is the curve's noise plus its bend, so the bound is lenient: it refuses
only fits clearly worse than a straight line. The constants were fixed on fit points only
(benchmarks/robustness.py): every estimator stays within 1.2 σ̂ on every benchmark curve
(notebook settings) and within 2.3 σ̂ on every curve of the dev families OLMO, GADRE and
PYTHIA (defaults; 99 % within 1.34 σ̂); the blow-ups this catches reached 360-440 σ̂ (M4
with an unbounded ε_0 on two Pythia curves, fit-region log-RMSE 2.6 and 4.0), and M3 14 σ̂
on a rising Pythia curve it cannot follow.
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from scalinglaws.curves import VALUE_RANGE  # where logs and powers stay exact
from scalinglaws.errors import FitError

FIT_FACTOR = 3.0  # a fit may be this many times worse than a straight line in log-log ...
FIT_FLOOR = 0.01  # ... or have a fit-region log-RMSE up to this (1 %), whichever is larger

Predictor = Callable[[np.ndarray], np.ndarray]
Law = Callable[[dict[str, float], np.ndarray], np.ndarray]
ParamBounds = dict[str, tuple[float, float]]  # parameter name -> (lower, upper)


@dataclass(frozen=True)
class FitResult:
    """The outcome of one fit: parameters, objective and a vectorised predictor."""

    params: dict[str, float]
    objective: float
    iterations: int
    converged: bool
    predictor: Predictor = field(repr=False, compare=False)
    message: str = ""

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted loss at ``x`` (any shape); NaN where x is outside the laws' domain
        0 < x < inf (NaN, 0, negative or infinite x), for every estimator."""
        return in_domain(self.predictor, np.asarray(x, dtype=float))

    @classmethod
    def of_law(
        cls,
        law: Law,
        params: dict[str, float],
        x: np.ndarray,
        y: np.ndarray,
        *,
        iterations: int = 1,
        converged: bool = True,
        message: str = "",
    ) -> FitResult:
        """The result that predicts with ``law`` at ``params``; its objective is the
        :func:`square_log_objective` of the fit points (x, y)."""
        with np.errstate(all="ignore"):
            objective = square_log_objective(y, law(params, x))
        return cls(
            params=params,
            objective=objective,
            iterations=iterations,
            converged=converged,
            predictor=lambda z: law(params, z),
            message=message,
        )


class Estimator(ABC):
    """Base class: checks the data, then delegates to :meth:`_fit`."""

    name: ClassVar[str]
    min_points: ClassVar[int] = 3
    law: ClassVar[Law | None] = None  # the fitted curve from (params, x): rebuilds stored fits
    exponent_sign: ClassVar[float] = 1.0  # turns params["c"] into the paper's exponent
    # How a combination's predictive band joins its parts' (see band_parts): "sum" (weighted
    # sum of log ŷ) or "median" (the pointwise median part).
    band_rule: ClassVar[str] = "sum"
    # Box bounds of the parameters a generic refit of ``law`` may move (see
    # scalinglaws.uncertainty); parameters not named stay at their fitted value.
    # None: every parameter moves, unbounded.
    param_bounds: ClassVar[ParamBounds | None] = None
    # Whether successful fits are remembered (see fit): for the single laws that combinations
    # fit again as members; a combination's own fit is cheap once its members are remembered.
    remember_fits: ClassVar[bool] = False

    def fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        """Fit the law to points ``(x, y)``: 1-D arrays of one length (other shapes are
        refused), x unique and > 0 (in any order), y > 0, all finite.

        A fit is a pure function of the options and the points, so with ``remember_fits`` the
        last ``RECENT_FITS`` successful fits are kept per process: a second request (BLEND,
        MEDIAN and STACK after M2, M3, M4 and BNSL on the same curve) gets the same result.
        """
        x, y = _checked_points(x, y, self.min_points)
        if not self.remember_fits:
            return self._checked_fit(x, y)
        key = self._fit_key(x, y)
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
        result = _recent[key] = self._checked_fit(x, y)
        while len(_recent) > RECENT_FITS:
            _recent.popitem(last=False)
        return result

    def _fit_key(self, x: np.ndarray, y: np.ndarray) -> bytes:
        """A digest of the class, its options and the (sorted, float) points."""
        options = (type(self).__qualname__, sorted(vars(self).items()))
        h = hashlib.sha256(repr(options).encode("utf-8"))
        for values in (x, y):
            h.update(np.ascontiguousarray(values, dtype="<f8").tobytes() + b"\0")
        return h.digest()

    def _checked_fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        """:meth:`_fit` with its failures turned into FitError and its result checked."""
        try:
            with np.errstate(all="ignore"):
                result = self._fit(x, y)
        except FitError:
            raise
        except (OverflowError, FloatingPointError) as exc:
            raise FitError(self._overflow_reason(exc, y)) from exc
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
            raise FitError(f"{self.name} fit raised {type(exc).__name__}: {exc}") from exc
        bad = [k for k, v in result.params.items() if not np.isfinite(v)]
        if bad:
            raise FitError(f"{self.name} fit gave non-finite parameters: {', '.join(bad)}")
        check_fit_region(self.name, x, y, result.predict(x))
        return result

    def _overflow_reason(self, exc: ArithmeticError, y: np.ndarray) -> str:
        """Why a fit left floating-point range, with the losses' span (and the margins hint)."""
        reason = (
            f"{self.name}: the fit left floating-point range ({type(exc).__name__}: {exc}) "
            f"on losses in [{y.min():.4g}, {y.max():.4g}]"
        )
        if getattr(self, "margins", None) == "notebook":
            reason += (
                "; margins='notebook' takes absolute steps sized for losses near 1: "
                "use margins='relative'"
            )
        return reason

    @classmethod
    def band_parts(
        cls, params: Mapping[str, float]
    ) -> list[tuple[float, type[Estimator], dict[str, float]]] | None:
        """For a combination of laws, its parts as (weight, estimator class, params), so that
        log ŷ = Σ weight · log ŷ_part; None (the default) for a single law.

        Predictive bands (:mod:`scalinglaws.bands`) then combine the parts' bands instead of
        linearising the combined law in all its parameters at once.
        """
        return None

    @abstractmethod
    def _fit(self, x: np.ndarray, y: np.ndarray) -> FitResult:
        """Fit to sorted, unique, positive ``x`` and positive ``y``."""


RECENT_FITS = 64  # fits remembered per process by Estimator.fit (remember_fits)
_recent: OrderedDict[bytes, FitResult] = OrderedDict()


def forget_fits() -> None:
    """Drop every remembered fit (after changing a module-level constant of a fit, say)."""
    _recent.clear()


def in_domain(function: Predictor, x: np.ndarray) -> np.ndarray:
    """``function(x)`` where 0 < x < inf, NaN elsewhere (same shape as ``x``)."""
    inside = np.isfinite(x) & (x > 0)
    with np.errstate(all="ignore"):
        if inside.all():
            return np.asarray(function(x), dtype=float)
        out = np.full(x.shape, np.nan)
        out[inside] = np.asarray(function(x[inside]), dtype=float)
    return out


def square_log_objective(y: np.ndarray, y_fit: np.ndarray) -> float:
    """The official reporting objective 0.5 ‖log ŷ − log y‖₂ (a norm, not its square)."""
    return float(0.5 * np.linalg.norm(np.log(y_fit) - np.log(y)))


UNIT_DIGITS = 12  # significant digits kept of y / min y by unit_free


def unit_free(y: np.ndarray) -> tuple[np.ndarray, float]:
    """(y / s rounded to ``UNIT_DIGITS`` significant digits, s), s = min y.

    The fits that are unit-free run on these values. A change of units (y → c·y) perturbs
    the last bits of y / s; rounding removes that, so the fit is the same bit for bit (unless
    a value sits on a rounding boundary, a chance of about 1e-4 per point). Without it, an
    optimiser that stops on an iteration cap can amplify the perturbation (measured: 2e-4
    log-RMSE for BNSL on a noiseless two-parameter-degenerate curve).
    """
    scale = float(np.min(y))
    ratio = np.asarray(y, dtype=float) / scale
    exponent = np.floor(np.log10(ratio))
    unit = 10.0 ** (exponent - (UNIT_DIGITS - 1))
    return np.round(ratio / unit) * unit, scale


def line_rmse(x: np.ndarray, y: np.ndarray) -> float:
    """σ̂: the log-RMSE of the least-squares line log y = a + b log x (0 for two points)."""
    log_x, log_y = np.log(x), np.log(y)
    dx, dy = log_x - log_x.mean(), log_y - log_y.mean()
    resid = dy - (dx @ dy / (dx @ dx)) * dx
    return math.sqrt(resid @ resid / resid.size)


def check_fit_region(name: str, x: np.ndarray, y: np.ndarray, y_fit: np.ndarray) -> None:
    """Raise FitError unless the fit ``y_fit`` describes its fit points (x, y): positive and
    finite, with log-RMSE ≤ max(FIT_FLOOR, FIT_FACTOR × :func:`line_rmse`)."""
    y_fit = np.asarray(y_fit, dtype=float)
    if not (y_fit.min() > 0 and np.isfinite(y_fit.max())):  # False for NaN too
        raise FitError(f"{name}: the fit predicts a non-positive or non-finite loss at a fit point")
    resid = np.log(y_fit / y)
    rmse = math.sqrt(resid @ resid / resid.size)
    sigma = line_rmse(x, y)
    bound = max(FIT_FLOOR, FIT_FACTOR * sigma)
    if not rmse <= bound:
        raise FitError(
            f"{name}: fit-region log-RMSE {rmse:.3g} exceeds max({FIT_FLOOR:g}, {FIT_FACTOR:g} × "
            f"{sigma:.3g}) = {bound:.3g}, where {sigma:.3g} is a straight line's in log-log: "
            "the fit does not describe its own points"
        )


def _vector(values: np.ndarray, name: str) -> np.ndarray:
    """``values`` as a 1-D float array; FitError for other shapes or non-numbers (a 2-D array
    is not flattened: its two orders would give two different fits)."""
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise FitError(f"{name} must be numbers, got {type(values).__name__}") from None
    if array.ndim != 1:
        raise FitError(f"{name} must be a 1-D array of fit points, got shape {array.shape}")
    return array


def _checked_points(x: np.ndarray, y: np.ndarray, min_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Return float copies of (x, y) sorted by x, or raise FitError saying what is wrong."""
    x, y = _vector(x, "x"), _vector(y, "y")
    if x.shape != y.shape:
        raise FitError(f"x and y differ in length ({x.size} vs {y.size})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise FitError("x and y must be finite")
    if np.any(x <= 0) or np.any(y <= 0):
        raise FitError("x and y must be positive (the laws are fitted in log space)")
    for name, values in (("x", x), ("y", y)):
        outside = (values < VALUE_RANGE[0]) | (values > VALUE_RANGE[1])
        if outside.any():
            value = float(values[np.argmax(outside)])
            raise FitError(
                f"{name} value {value!r} is outside [{VALUE_RANGE[0]:g}, "
                f"{VALUE_RANGE[1]:g}], where logs and powers stay exact"
            )
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if np.any(np.diff(x) == 0):
        raise FitError("x values must be unique")
    if x.size < min_points:
        raise FitError(f"needs at least {min_points} fit points, got {x.size}")
    return x, y
