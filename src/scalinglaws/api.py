"""The public Python API: fit a scaling law, predict with a band, save and load, compare two fits.

    import scalinglaws as sl
    fit = sl.fit(x, y)                          # the recommended estimator (registry.RECOMMENDED)
    fit.predict(10 * x.max())                   # ŷ at 10× the largest x
    lo, hi = fit.interval(10 * x.max(), 0.8)    # its 80 % predictive band
    fit.save("fit.json"); sl.load("fit.json")   # the reloaded fit predicts bit-identically

A fit keeps the estimator's name and options, the fitted parameters θ and the fit points; its
prediction is the estimator's law ŷ(x) = law(θ, x) (M4: ε_∞ + w with w = β x^c (ε_0 − ε_∞ − w)^α)
and its band the Student-t predictive band of :func:`scalinglaws.bands.predictive`.
Forecasts of whole curve tables are in :mod:`scalinglaws.forecasting`.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglaws.bands import BandSettings, predictive
from scalinglaws.comparisons import (
    FittedCurve,
    GridPredictions,
    crossover,
    fitted_curve,
    paired,
    shared_fit_x,
    task_grid,
)
from scalinglaws.curves import Curve, CurveKey
from scalinglaws.errors import InputError, ScalingLawsError
from scalinglaws.estimators import registry
from scalinglaws.estimators.base import Law, in_domain
from scalinglaws.io import write_text_atomic

FORMAT = "scalinglaws.fit"
FORMAT_VERSION = 1
COMPARE_COLUMNS = [
    "model_a", "model_b", "estimator_a", "estimator_b", "x", "scale", "pred_a", "pred_b",
    "diff", "diff_lo", "diff_hi", "level", "better", "significant",
    "crossover_x", "crossover_lo", "crossover_hi", "crossover_share",
]  # fmt: skip
PLOT_GRID_POINTS = 200


# --------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------


def package_version() -> str:
    """The installed scalinglaws version."""
    from scalinglaws import __version__

    return __version__


def estimator_name(name: object) -> str:
    """``name`` checked against the registry; None means the recommended estimator."""
    name = registry.RECOMMENDED if name is None else name
    if not isinstance(name, str):
        raise InputError(f"estimator must be a registered name (str), got {name!r}")
    registry.estimator_class(name)
    return name


def checked_level(level: object, name: str = "level") -> float:
    """``level`` as a float in the open interval (0, 1)."""
    try:
        value = float(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 < value < 1.0:
        raise InputError(f"{name} must lie in (0, 1), e.g. 0.8 for an 80 % band; got {level!r}")
    return value


def number_array(values: object, name: str) -> np.ndarray:
    """``values`` as a float array of any shape; InputError if they are not numbers."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers, got {type(values).__name__}") from None


def positive_array(values: object, name: str, *, one_d: bool = True) -> np.ndarray:
    """``values`` as a float array of positive finite numbers (1-D unless ``one_d`` is False)."""
    array = number_array(values, name)
    if one_d and array.ndim != 1:
        raise InputError(f"{name} must be a 1-D array, got shape {array.shape}")
    if array.size == 0:
        raise InputError(f"{name} is empty")
    bad = ~(np.isfinite(array) & (array > 0))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        index = f"[{', '.join(map(str, where))}]" if where else ""
        raise InputError(
            f"{name} must hold positive finite numbers (0 < {name} < inf); "
            f"{name}{index} = {float(array[where])!r}"
        )
    return array


# --------------------------------------------------------------------------------------------
# The fit object
# --------------------------------------------------------------------------------------------


def _frozen(values: np.ndarray) -> np.ndarray:
    array = np.array(values, dtype=np.float64).reshape(-1)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class ScalingLawFit:
    """A fitted scaling law: estimator name and options, parameters θ, fit points (x ascending).

    ``predict(x) = law(θ, x)``; ``interval(x, level)`` is the central predictive band;
    ``objective`` is 0.5 ‖log ŷ − log y‖₂ over the fit points, as the estimators report it.
    """

    estimator: str
    options: dict[str, Any]
    params: dict[str, float]
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    objective: float = math.nan
    converged: bool = True
    message: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        estimator_name(self.estimator)
        object.__setattr__(self, "options", dict(self.options))
        object.__setattr__(self, "params", {str(k): float(v) for k, v in self.params.items()})
        object.__setattr__(self, "x", _frozen(self.x))
        object.__setattr__(self, "y", _frozen(self.y))
        if self.x.shape != self.y.shape:
            raise InputError(f"x and y differ in length ({self.x.size} vs {self.y.size})")

    @property
    def law(self) -> Law:
        """The estimator's law ŷ = law(θ, x)."""
        law = registry.ESTIMATORS[self.estimator].law
        if law is None:
            raise ScalingLawsError(f"estimator {self.estimator!r} has no law to predict with")
        return law

    @property
    def n(self) -> int:
        """Number of fit points."""
        return int(self.x.size)

    @property
    def log_rmse(self) -> float:
        """Fit-region error √(mean (log ŷ(x_i) − log y_i)²) over the fit points."""
        with np.errstate(all="ignore"):
            residuals = np.log(self.predict(self.x)) - np.log(self.y)
        return float(np.sqrt(np.mean(residuals**2)))

    def predict(self, x: object) -> np.ndarray:
        """ŷ(x) = law(θ, x) for ``x`` of any shape (a scalar gives a numpy scalar); NaN where
        x is outside the domain 0 < x < inf (NaN, 0, negative or infinite x), for every
        estimator. Non-numeric x raises InputError."""
        points = number_array(x, "x")

        def law(z: np.ndarray) -> np.ndarray:
            return np.broadcast_to(self.law(self.params, z), z.shape)

        return in_domain(law, points).copy()[()]

    def interval(
        self, x: object, level: float = 0.8, bands: BandSettings | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` predictive band (lo, hi) of y at ``x``; NaN (both) where x
        is outside the domain 0 < x < inf, as for :meth:`predict`.

        log y ~ log ŷ(x) + s(x)·t_ν (:func:`scalinglaws.bands.predictive`; ``bands`` sets the
        bootstrap replicates, seed and extrapolation prior, default :class:`BandSettings`).
        """
        level = checked_level(level)
        points = number_array(x, "x")
        flat = points.reshape(-1)
        inside = np.isfinite(flat) & (flat > 0)
        lo, hi = np.full(flat.shape, np.nan), np.full(flat.shape, np.nan)
        if inside.any():
            settings = replace(bands or BandSettings(), level=level)
            cls = registry.ESTIMATORS[self.estimator]
            band = predictive(cls, self.params, self.x, self.y, flat[inside], settings)
            with np.errstate(over="ignore", invalid="ignore"):  # an unbounded band becomes inf
                lo[inside], hi[inside] = band.interval(level)
        return lo.reshape(points.shape)[()], hi.reshape(points.shape)[()]

    def plot(self, ax: Any = None, *, level: float = 0.8, extend: float = 10.0) -> Any:
        """Fit points, the law from the first fit x to ``extend`` × the last, and its band.

        Draws on ``ax`` (a new pyplot figure when None) and returns the Axes; log-log axes.
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
        grid = np.geomspace(self.x[0], self.x[-1] * max(float(extend), 1.0), PLOT_GRID_POINTS)
        y_grid = self.predict(grid)
        bottom, top = _y_limits(self.y, y_grid)
        try:
            lo, hi = (np.clip(np.nan_to_num(v), bottom, top) for v in self.interval(grid, level))
            band = f"{level:.0%} band"
            ax.fill_between(grid, lo, hi, color="tab:blue", alpha=0.2, lw=0, label=band)
        except ScalingLawsError:
            pass  # the law is still drawn; the legend shows no band
        ax.plot(grid, y_grid, color="tab:blue", label=f"{self.estimator} law")
        ax.scatter(self.x, self.y, color="black", alpha=0.5, s=14, zorder=3, label="fit points")
        ax.axvline(self.x[-1], color="grey", lw=0.8, ls=":")
        ax.set(xscale="log", yscale="log", xlabel="x (examples seen)", ylabel="loss")
        ax.set_ylim(bottom, top)
        ax.set_title(self.label or self.estimator, fontsize="medium")
        ax.legend(fontsize="small", loc="upper right")
        return ax

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; floats are stored exactly (JSON writes their shortest repr)."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scalinglaws_version": package_version(),
            "estimator": self.estimator,
            "options": dict(self.options),
            "params": dict(self.params),
            "x": self.x.tolist(),
            "y": self.y.tolist(),
            "objective": self.objective if math.isfinite(self.objective) else None,
            "converged": bool(self.converged),
            "message": self.message,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScalingLawFit:
        """The fit of :meth:`to_dict`; refuses other formats and unknown format versions."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ScalingLawsError(f"not a saved scalinglaws fit (no \"format\": {FORMAT!r})")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ScalingLawsError(
                f"fit format version {version!r} is not supported: scalinglaws "
                f"{package_version()} reads version {FORMAT_VERSION}"
            )
        try:
            objective = data.get("objective")
            return cls(
                estimator=data["estimator"],
                options=data.get("options") or {},
                params=data["params"],
                x=positive_array(data["x"], "x"),
                y=positive_array(data["y"], "y"),
                objective=math.nan if objective is None else float(objective),
                converged=bool(data.get("converged", True)),
                message=str(data.get("message", "")),
                label=str(data.get("label", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ScalingLawsError(f"malformed saved fit: {type(exc).__name__}: {exc}") from None

    def save(self, path: str | PathLike[str]) -> None:
        """Write the fit as JSON (:meth:`to_dict`) to ``path``."""
        try:
            text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ScalingLawsError(f"cannot save the fit as JSON (options?): {exc}") from None
        write_text_atomic(path, text + "\n")

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:.6g}" for k, v in self.params.items())
        name = f"{self.label!r}, " if self.label else ""
        return f"ScalingLawFit({name}{self.estimator}, n={self.n}, {params})"


def _y_limits(y: np.ndarray, y_law: np.ndarray) -> tuple[float, float]:
    """Plot limits: the data and the law's finite values within a factor 100 of the data, ×/1.5."""
    with np.errstate(all="ignore"):
        shown = y_law[np.isfinite(y_law) & (y_law >= y.min() / 100) & (y_law <= y.max() * 100)]
    values = np.concatenate([y, shown])
    return float(values.min() / 1.5), float(values.max() * 1.5)


def load(path: str | PathLike[str]) -> ScalingLawFit:
    """The fit saved at ``path`` by :meth:`ScalingLawFit.save`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read fit: {exc.strerror or exc}", path=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a JSON file: {exc}", path=str(path)) from None
    try:
        return ScalingLawFit.from_dict(data)
    except ScalingLawsError as exc:
        raise InputError(str(exc), path=str(path)) from None


def fit(x: object, y: object, estimator: str | None = None, **options: Any) -> ScalingLawFit:
    """Fit ``estimator`` (default: the recommended one) with ``options`` to the points (x, y).

    ``x``, ``y``: 1-D, same length, positive and finite, x unique (any order). Unknown
    estimators or options raise ScalingLawsError; a fit that cannot succeed raises FitError.
    """
    return fit_points(x, y, estimator, options)


def fit_points(
    x: object, y: object, estimator: str | None, options: Mapping[str, Any], label: str = ""
) -> ScalingLawFit:
    """:func:`fit` with the options as a mapping and a label (e.g. the curve's name)."""
    name = estimator_name(estimator)
    xs, ys = positive_array(x, "x"), positive_array(y, "y")
    if xs.shape != ys.shape:
        raise InputError(f"x and y differ in length ({xs.size} vs {ys.size})")
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    repeated = xs[1:][np.diff(xs) == 0]
    if repeated.size:
        raise InputError(f"x values must be unique; x = {repeated[0]!r} appears more than once")
    result = registry.make(name, **options).fit(xs, ys)
    return ScalingLawFit(
        name, dict(options), result.params, xs, ys,
        objective=float(result.objective), converged=bool(result.converged),
        message=result.message, label=label,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Comparing two fits
# --------------------------------------------------------------------------------------------


def targets_of(at: object, x: object, x_max: float) -> np.ndarray:
    """Sorted unique targets: the multiples ``at`` of ``x_max`` and the absolute ``x``."""
    parts = [
        positive_array(np.atleast_1d(v), name) * unit
        for v, name, unit in ((at, "at", x_max), (x, "x", 1.0))
        if v is not None and np.size(v) > 0
    ]
    if not parts:
        raise InputError("no targets: give at (multiples of the largest x) or x (absolute x)")
    return np.unique(np.concatenate(parts))


def quantile_interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the (1 ∓ level)/2 percentiles of the finite samples (NaN if none)."""
    if samples.shape[0] == 0 or not np.isfinite(samples).any():
        nan = np.full(samples.shape[1], np.nan)
        return nan, nan
    tails = 50.0 * (1.0 - level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        return np.nanpercentile(samples, tails, axis=0), np.nanpercentile(samples, 100 - tails, 0)


def _fitted_curve(f: ScalingLawFit, model: str, replicates: int, seed: int) -> FittedCurve:
    """The fit as comparisons.FittedCurve: its points, law and bootstrap refits (part-wise
    for a combination), bent by the band's extrapolation term shared by the pair's task."""
    curve = Curve(CurveKey("", "", model), f.x, f.y, np.empty(0), np.empty(0))
    cls = registry.ESTIMATORS[f.estimator]
    return fitted_curve(curve, cls, dict(f.params), replicates, seed)


def compare(
    fit_a: ScalingLawFit,
    fit_b: ScalingLawFit,
    at: Sequence[float] | float | None = (2, 10, 100),
    x: Sequence[float] | float | None = None,
    level: float = 0.95,
    *,
    replicates: int = 200,
    seed: int = 0,
    names: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Which of two fitted laws predicts the lower loss at each target, and where they cross.

    Targets: ``at`` × the largest fit x of either fit, and the absolute ``x``. Per target:
    Δ = ŷ_a − ŷ_b with its central ``level`` interval over the bootstrap refits of both fits
    (:func:`scalinglaws.comparisons.fitted_curve`), ``better`` (the lower ŷ)
    and ``significant`` (the interval excludes 0). The crossover is the first sign change of Δ
    in [first shared fit x, largest target] (:func:`scalinglaws.comparisons.crossover`), with the
    interval of the samples' crossovers and the share of samples that have one.
    One row per target, columns :data:`COMPARE_COLUMNS`.
    """
    level = checked_level(level)
    if not (isinstance(fit_a, ScalingLawFit) and isinstance(fit_b, ScalingLawFit)):
        raise InputError("compare takes two ScalingLawFit objects (from sl.fit or sl.load)")
    a_name, b_name = names or (fit_a.label or "a", fit_b.label or "b")
    if a_name == b_name:
        a_name, b_name = f"{a_name} (a)", f"{b_name} (b)"
    x_max = max(fit_a.x[-1], fit_b.x[-1])
    targets = targets_of(at, x, x_max)
    fa = _fitted_curve(fit_a, a_name, replicates, seed)
    fb = _fitted_curve(fit_b, b_name, replicates, seed)
    grid = task_grid([fa, fb], [targets[-1] / x_max])
    ga, gb = GridPredictions.of(fa, grid), GridPredictions.of(fb, grid)
    apart = float(np.hypot(fa.noise, fb.noise))
    cross, cross_samples = crossover(ga, gb, shared_fit_x(fa.curve, fb.curve), targets[-1], apart)
    found = cross_samples[np.isfinite(cross_samples)]
    c_lo, c_hi = quantile_interval(found[:, None], level)
    pa, pb = fa.predict(targets), fb.predict(targets)
    samples_a, samples_b = paired(fa.predict_samples(targets), fb.predict_samples(targets))
    lo, hi = quantile_interval(samples_a - samples_b, level)
    better = np.where(pa < pb, a_name, np.where(pb < pa, b_name, "tie"))
    frame = pd.DataFrame({
        "model_a": a_name, "model_b": b_name, "estimator_a": fit_a.estimator,
        "estimator_b": fit_b.estimator, "x": targets, "scale": targets / x_max,
        "pred_a": pa, "pred_b": pb, "diff": pa - pb, "diff_lo": lo, "diff_hi": hi,
        "level": level, "better": better, "significant": (lo > 0) | (hi < 0),
        "crossover_x": cross, "crossover_lo": c_lo[0], "crossover_hi": c_hi[0],
        "crossover_share": found.size / max(cross_samples.size, 1),
    })  # fmt: skip
    return frame[COMPARE_COLUMNS]
