"""Learn STACK's weights from backtests on fit points (docs/recommended_estimator.md, step 3).

Input: per group (benchmark domain or dev family), each member's scores and predictions on the
backtest curves of benchmarks/families.py (fit points only; Training=0 points never read).
For a weight vector w on the simplex grid of step :data:`GRID_STEP` over (M2, M3, M4, BNSL):

* per curve, the held-out log-RMSE of Σ w_m log ŷ_m over the usable members, the weights
  renormalised as STACK renormalises them (scalinglaws.estimators.stack.renormalised);
* per group, L_g(w) = the mean over its curves; R_g = min over the single members of L_g;
* J(w) = the mean over groups of L_g(w) / R_g (each group counts the same, whatever its size
  or its error scale). The weights are argmin J; ties go to the first in grid order.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from scalinglaws.estimators import registry
from scalinglaws.estimators.stack import MEMBER_NAMES

GRID_STEP = 0.05
KEY = ["domain", "task", "model"]


def usable(scores: pd.DataFrame, predictions: pd.DataFrame, name: str) -> set[tuple[str, ...]]:
    """Curves whose ``name`` fit STACK would use: ok, exponent ≤ 0, positive fit predictions."""
    sign = registry.ESTIMATORS[name].exponent_sign
    ok = scores[scores["status"] == "ok"]
    keys = {
        tuple(row[KEY]) for _, row in ok.iterrows() if sign * json.loads(row["params"])["c"] <= 0
    }
    fit = predictions[predictions["region"] == "fit"]
    y_pred = pd.to_numeric(fit["y_pred"]).to_numpy(float)
    bad = fit[~(np.isfinite(y_pred) & (y_pred > 0))]
    return keys - {tuple(k) for k in bad[KEY].itertuples(index=False)}


def held_out_logs(
    frames: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per curve: log y at the held-out points and a (members × points) array of log ŷ, NaN
    where a member is not usable. ``frames``: member name -> (scores, predictions)."""
    curves: dict[tuple[str, ...], dict[str, pd.DataFrame]] = {}
    for name in MEMBER_NAMES:
        scores, predictions = frames[name]
        keep = usable(scores, predictions, name)
        held = predictions[predictions["region"] == "extrapolation"]
        for key, rows in held.groupby(KEY, sort=True):
            if key in keep:
                curves.setdefault(key, {})[name] = rows.sort_values("x")
    out = []
    for key in sorted(curves):
        members = curves[key]
        first = next(iter(members.values()))
        log_y = np.log(first["y_true"].to_numpy(float))
        logs = np.full((len(MEMBER_NAMES), log_y.size), np.nan)
        for i, name in enumerate(MEMBER_NAMES):
            if name in members:
                logs[i] = np.log(members[name]["y_pred"].to_numpy(float))
        out.append((log_y, logs))
    return out


def grid(step: float = GRID_STEP) -> np.ndarray:
    """Every weight vector on the simplex over the members with entries in multiples of step."""
    k = round(1 / step)
    rows = [c for c in itertools.product(range(k + 1), repeat=len(MEMBER_NAMES)) if sum(c) == k]
    return np.array(rows, dtype=float) / k


def curve_rmse(log_y: np.ndarray, logs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Held-out log-RMSE of one curve for every weight vector (rows of ``weights``)."""
    present = ~np.isnan(logs[:, 0])
    w = weights[:, present]
    total = w.sum(axis=1, keepdims=True)
    equal = np.full_like(w, 1.0 / present.sum())
    w = np.where(total > 0, w / np.where(total > 0, total, 1.0), equal)
    pred = w @ logs[present]
    return np.sqrt(np.mean((pred - log_y[None, :]) ** 2, axis=1))


def learn_weights(
    logs: Mapping[str, list[tuple[np.ndarray, np.ndarray]]],
) -> tuple[tuple[float, ...], str, dict[str, float]]:
    """argmin J (module docstring), a Markdown report of L_g per member and at the optimum,
    and R_g."""
    weights = grid()
    singles = np.eye(len(MEMBER_NAMES))
    loss, single = {}, {}
    for group, curves in logs.items():
        if not curves:
            continue
        loss[group] = np.mean([curve_rmse(y, lg, weights) for y, lg in curves], axis=0)
        single[group] = np.mean([curve_rmse(y, lg, singles) for y, lg in curves], axis=0)
    objective = np.mean([loss[g] / single[g].min() for g in loss], axis=0)
    best = int(np.argmin(objective))
    chosen = tuple(float(v) for v in weights[best])
    lines = ["| group | curves | " + " | ".join(MEMBER_NAMES) + " | STACK |", "|---" * 7 + "|"]
    for g in loss:
        cells = " | ".join(f"{v:.4f}" for v in single[g])
        lines.append(f"| {g} | {len(logs[g])} | {cells} | {loss[g][best]:.4f} |")
    equal = int(np.argmin(np.abs(weights - 0.25).sum(axis=1)))
    lines.append(
        f"\nJ(chosen) = {objective[best]:.4f}; J(equal weights) = {objective[equal]:.4f}; "
        f"weights {dict(zip(MEMBER_NAMES, chosen, strict=True))}"
    )
    references = {g: float(single[g].min()) for g in loss}
    lines.append(f"R_g (best single member per group): {references}")
    return chosen, "\n".join(lines), references


def objective_of(means: Mapping[str, float], references: Mapping[str, float]) -> float:
    """J of an estimator from its backtest mean log-RMSE per group (step 5 of the procedure)."""
    return float(np.mean([means[g] / references[g] for g in references]))
