"""The ``scalinglaws`` command: ``forecast``, ``compare`` and ``fit`` on curve CSV files.

Each subcommand prints a CSV table on stdout (the same columns as the Python API's frames).
Errors print one line, ``scalinglaws: error: <message>``, on stderr and exit with code 2;
no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

EXIT_ERROR = 2
DEFAULT_AT = (2.0, 10.0, 100.0)
EPILOG = (
    "Input: long-format CSV files with the columns Domain, Task, Model, Seen Examples, Loss, "
    "Training (1 = fit point, 0 = held-out point). Output: CSV on stdout."
)


class UsageError(Exception):
    """A command-line mistake the parser cannot see (reported like the library's errors)."""


# --------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------


def _positive(text: str) -> float:
    """An argparse type: a positive finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _level(text: str) -> float:
    """An argparse type: a band level in (0, 1)."""
    value = _positive(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1), e.g. 0.8; got {text!r}")
    return value


def _names(text: str) -> list[str]:
    """An argparse type: comma-separated estimator names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"no estimator name in {text!r}")
    return names


def _common(parser: argparse.ArgumentParser, *, many_estimators: bool) -> None:
    """Arguments shared by the subcommands: files, estimator, points, config."""
    parser.add_argument("files", nargs="+", metavar="FILE.csv", help="curve CSV file(s)")
    parser.add_argument(
        "--estimator", type=_names if many_estimators else str,
        metavar="NAME[,NAME...]" if many_estimators else "NAME",
        help="registered estimator name" + ("s, comma-separated" if many_estimators else "")
        + " (default: the recommended estimator)",
    )  # fmt: skip
    parser.add_argument(
        "--points", choices=("all", "fit"), default="all",
        help="fit every point (all, default) or only the Training = 1 points (fit)",
    )  # fmt: skip
    parser.add_argument(
        "--config", metavar="FILE.yaml",
        help="a workflow config: estimator options from its 'estimators' section "
        "(per domain), band settings from 'uncertainty'",
    )  # fmt: skip


def _targets(parser: argparse.ArgumentParser, at_help: str) -> None:
    parser.add_argument("--at", nargs="+", type=_positive, metavar="S", help=at_help)
    parser.add_argument(
        "--x", nargs="+", type=_positive, metavar="X", dest="x_abs",
        help="absolute target x values (with or instead of --at)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``scalinglaws`` and its subcommands."""
    from scalinglaws import __version__

    parser = argparse.ArgumentParser(
        prog="scalinglaws",
        description="Fit neural scaling laws to learning curves and forecast larger scales.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"scalinglaws {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    forecast = sub.add_parser(
        "forecast", help="predict each curve's loss at larger scales, with a band",
        description="Fit every curve and print the forecasts (one row per curve, estimator "
        "and target) as CSV: domain, task, model, estimator, x, scale, y_pred, y_lo, y_hi, "
        "level, last_x, last_y, gain (= last_y - y_pred), status, error.", epilog=EPILOG,
    )  # fmt: skip
    _common(forecast, many_estimators=True)
    _targets(forecast, "target multiples of each curve's largest x (default 2 10 100 unless "
             "--x is given)")  # fmt: skip
    forecast.add_argument("--level", type=_level, default=0.8, help="band level (default 0.8)")
    forecast.add_argument("--plot", metavar="DIR", help="write one PNG per curve into DIR")

    compare = sub.add_parser(
        "compare", help="compare two models of one task by their fitted laws",
        description="Fit the two models' curves and print, per target x, the predicted "
        "difference pred_a - pred_b with its interval, the better model and the crossover.",
        epilog=EPILOG,
    )  # fmt: skip
    _common(compare, many_estimators=False)
    compare.add_argument("--task", required=True, help="the task both models were trained on")
    compare.add_argument("--models", nargs=2, required=True, metavar=("A", "B"))
    compare.add_argument("--domain", help="the domain (needed when several share the task)")
    _targets(compare, "target multiples of the largest x of either curve (default 2 10 100 "
             "unless --x is given)")  # fmt: skip
    compare.add_argument(
        "--level", type=_level, default=0.95, help="interval level (default 0.95)"
    )

    fit = sub.add_parser(
        "fit", help="fit every curve; print parameters and fit quality",
        description="Fit every curve and print one row per curve and estimator: n_points, "
        "log_rmse (fit-region sqrt(mean (log y_hat - log y)^2)), objective, converged, status, "
        "error, params (JSON).", epilog=EPILOG,
    )  # fmt: skip
    _common(fit, many_estimators=True)
    fit.add_argument("--save", metavar="DIR", help="also save each fit as JSON into DIR")
    return parser


# --------------------------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------------------------


def _config(path: str | None) -> tuple[dict[str, Any] | None, Any]:
    """(estimator options, band settings) from a workflow config file, or (None, None)."""
    if path is None:
        return None, None
    import yaml

    from scalinglaws.bands import BandSettings
    from scalinglaws.errors import ScalingLawsError
    from scalinglaws.estimators import registry

    try:
        config = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise UsageError(f"{path}: a config must be a YAML mapping")
    estimators = config.get("estimators")
    if estimators is not None:
        if not isinstance(estimators, dict):
            raise UsageError(f"{path}: 'estimators' must be a mapping of estimator names")
        try:
            registry.check_entries(estimators)
        except ScalingLawsError as exc:
            raise UsageError(f"{path}: {exc}") from None
    return estimators, BandSettings.from_config(config.get("uncertainty"))


def _at(args: argparse.Namespace) -> tuple[float, ...] | None:
    """--at, defaulting to 2 10 100 only when --x is not given either."""
    if args.at is None and args.x_abs is None:
        return DEFAULT_AT
    return tuple(args.at) if args.at else None


def run_forecast(args: argparse.Namespace) -> pd.DataFrame:
    """``scalinglaws forecast``."""
    import scalinglaws as sl

    options, bands = _config(args.config)
    fits = sl.fit_curves(args.files, args.estimator, args.points, options)
    table = sl.forecast_fits(fits, _at(args), args.x_abs, args.level, bands)
    if args.plot:
        write_plots(fits, Path(args.plot), args.level)
    return table


def write_plots(fits: Sequence[Any], folder: Path, level: float) -> list[Path]:
    """One PNG per curve (one panel per estimator) in ``folder``, named domain_task_model, in
    the workflow's figure theme (scalinglaws.plots.theme)."""
    from scalinglaws.curves import file_names
    from scalinglaws.plots.theme import figure, save

    folder.mkdir(parents=True, exist_ok=True)
    by_curve: dict[Any, list[Any]] = {}
    for cf in fits:
        by_curve.setdefault(cf.key, []).append(cf)
    written, names = [], file_names(by_curve)
    for key, group in by_curve.items():
        width = 4.5 * len(group)
        fig, axes = figure(1, len(group), figsize=(width, 3.6), squeeze=False, layout=None)
        fig.subplots_adjust(left=1.0 / width, right=1 - 0.15 / width, bottom=0.16, top=0.82,
                            wspace=0.35)  # fixed margins (in inches): faster than a layout
        for ax, cf in zip(axes[0], group, strict=True):
            if cf.fit is None:
                ax.set_axis_off()
                ax.text(0.5, 0.5, f"fit failed:\n{cf.error}", ha="center", wrap=True)
            else:
                cf.fit.plot(ax=ax, level=level)
            ax.set_title(f"{key.label}\n{cf.estimator}", fontsize="small")
        written += save(fig, folder / names[key], ["png"])
    return written


def run_compare(args: argparse.Namespace) -> pd.DataFrame:
    """``scalinglaws compare``."""
    import scalinglaws as sl

    options, _ = _config(args.config)
    model_a, model_b = args.models
    if model_a == model_b:
        raise UsageError("--models needs two different models")
    curves = _task_curves(sl.load_curves(args.files), args.task, args.domain)
    chosen = [_model_curve(curves, args.task, model) for model in (model_a, model_b)]
    fits = {cf.key.model: cf for cf in sl.fit_curves(chosen, args.estimator, args.points, options)}
    for cf in fits.values():
        if cf.fit is None:
            raise UsageError(f"{cf.key.label}: {cf.estimator} fit failed: {cf.error}")
    fit_a, fit_b = fits[model_a].fit, fits[model_b].fit
    table = sl.compare(fit_a, fit_b, _at(args), args.x_abs, args.level, names=(model_a, model_b))
    table.insert(0, "task", args.task)
    table.insert(0, "domain", chosen[0].key.domain)
    return table


def _task_curves(curves: Sequence[Any], task: str, domain: str | None) -> list[Any]:
    """The curves of ``task`` (in ``domain`` if given); the task must be in one domain."""
    found = [c for c in curves if c.key.task == task and domain in (None, c.key.domain)]
    if not found:
        tasks = sorted({c.key.task for c in curves if domain in (None, c.key.domain)})
        where = f" in domain {domain!r}" if domain else ""
        raise UsageError(f"no curve has task {task!r}{where}; tasks: {', '.join(tasks)}")
    domains = sorted({c.key.domain for c in found})
    if len(domains) > 1:
        raise UsageError(f"task {task!r} is in domains {', '.join(domains)}: choose with --domain")
    return found


def _model_curve(curves: Sequence[Any], task: str, model: str) -> Any:
    """The curve of ``model`` among one task's curves."""
    for curve in curves:
        if curve.key.model == model:
            return curve
    models = ", ".join(sorted(c.key.model for c in curves))
    raise UsageError(f"task {task!r} has no model {model!r}; models: {models}")


def run_fit(args: argparse.Namespace) -> pd.DataFrame:
    """``scalinglaws fit``."""
    import scalinglaws as sl

    options, _ = _config(args.config)
    fits = sl.fit_curves(args.files, args.estimator, args.points, options)
    if args.save:
        folder = Path(args.save)
        folder.mkdir(parents=True, exist_ok=True)
        for cf in fits:
            if cf.fit is not None:
                cf.fit.save(folder / f"{cf.key.slug}-{cf.estimator}.json")
    return pd.DataFrame([_fit_row(cf) for cf in fits], columns=FIT_COLUMNS)


FIT_COLUMNS = [
    "domain", "task", "model", "estimator", "n_points", "log_rmse", "objective", "converged",
    "status", "error", "params",
]  # fmt: skip


def _fit_row(cf: Any) -> dict[str, Any]:
    """One ``scalinglaws fit`` row: fit quality and the parameters as JSON."""
    f = cf.fit
    return {
        "domain": cf.key.domain, "task": cf.key.task, "model": cf.key.model,
        "estimator": cf.estimator, "n_points": f.n if f else "",
        "log_rmse": f.log_rmse if f else float("nan"),
        "objective": f.objective if f else float("nan"), "converged": f.converged if f else "",
        "status": "ok" if f else "failed", "error": cf.error,
        "params": json.dumps(f.params, sort_keys=True) if f else "{}",
    }  # fmt: skip


COMMANDS = {"forecast": run_forecast, "compare": run_compare, "fit": run_fit}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0, or 2 on an error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from scalinglaws.errors import ScalingLawsError

    try:
        table = COMMANDS[args.command](args)
        table.to_csv(sys.stdout, index=False)
        sys.stdout.flush()
    except (ScalingLawsError, UsageError) as exc:
        return _error(str(exc))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):  # e.g. | head: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        return _error(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        return _error("interrupted", code=130)
    except Exception as exc:  # a bug: still one line, not a traceback
        return _error(f"unexpected {type(exc).__name__}: {exc}")
    return 0


def _error(message: str, code: int = EXIT_ERROR) -> int:
    print(f"scalinglaws: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
