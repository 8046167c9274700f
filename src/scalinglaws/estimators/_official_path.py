"""Fast emulation of the official optimiser's path for M2 and M4.

The official code (google-research ``revisiting_neural_scaling_laws``, described in
shared/docs/paper_revisiting.md §1.2) runs block-coordinate descent: each outer iteration
``k`` refits the linear parameters by least squares, then moves the offsets ``s``
(``err_inf``, and ``err_0`` for M4) with 1,000 gradient steps of learning rate 1e-8 while
``k < 100``, or with 100 damped Newton steps (rate 0.1) afterwards; it stops when
``|beta_k - beta_{k-1}| < 1e-10`` and ``k > 101``, or after ``max_iterations``.

That path, not just the objective, decides which optimum is reached, so we follow it, but
cheaply:

* the 1,000 gradient steps for fixed linear parameters are a linear recurrence once the
  gradient is linearised: ``s_m = s - (I - (I - lr H)^m) H^{-1} g`` (chunked when the move is
  large compared with the distance to the data);
* the 100 damped Newton steps converge to the inner stationary point ``s*`` at the linear
  rate ``M = I - 0.1 D^{-1} H``, so they end at ``s* + M^100 (s - s*)``;
* the outer iteration ``s <- T(s)`` is a smooth map whose steps shrink slowly, so runs of
  iterations are integrated as the ODE ``ds/dk = T(s) - s`` with Heun steps of adaptive
  length (one literal iteration when the step is not smooth), checking the official stopping
  rule along the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ERR_MARGIN = 1e-3  # official ERR_MARGIN: offsets stay this far from the data
GRAD_ITERATIONS = 100  # outer iterations that use gradient descent
GRAD_EPOCHS, GRAD_LR = 1000, 1e-8
NEWTON_EPOCHS, NEWTON_LR = 100, 0.1
BETA_TOL = 1e-10  # official stopping rule on |beta_k - beta_{k-1}|
MIN_CURVATURE = 1e-5  # official: a coordinate moves in a Newton step only if |h| > 1e-5
JUMP_RTOL = 0.05  # a jump must predict the move at its end to within 5 % of the current move
MAX_JUMP = 1 << 14  # longest jump, in iterations
PATH_ATOL = 1e-15  # moves smaller than this (relative to the offsets) count as none


def _solve(hess: np.ndarray, g: np.ndarray) -> np.ndarray:
    """H^{-1} g for a 1x1 or 2x2 H, in closed form (numpy.linalg costs more than the fit)."""
    if g.size == 1:
        return g / hess[0, 0]
    det = hess[0, 0] * hess[1, 1] - hess[0, 1] * hess[1, 0]
    return np.array([
        (hess[1, 1] * g[0] - hess[0, 1] * g[1]) / det,
        (hess[0, 0] * g[1] - hess[1, 0] * g[0]) / det,
    ])  # fmt: skip


def _positive_definite(hess: np.ndarray) -> bool:
    if hess.shape[0] == 1:
        return bool(hess[0, 0] > 0)
    return bool(hess[0, 0] > 0 and hess[0, 0] * hess[1, 1] - hess[0, 1] * hess[1, 0] > 0)


@dataclass
class InnerProblem:
    """The offsets' sub-problem for fixed linear parameters.

    ``grad_hess(s)`` returns the gradient and Hessian of 0.5 * mean(r^2) in the offsets;
    ``gap(s)`` the distance from each offset to the data (a step must stay well inside it);
    ``lower``/``upper`` the projection box; ``movable`` which offsets are learnable.
    """

    grad_hess: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    gap: Callable[[np.ndarray], np.ndarray]
    lower: np.ndarray
    upper: np.ndarray
    movable: np.ndarray

    def project(self, s: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(s, self.lower), self.upper)


def gradient_epochs(problem: InnerProblem, s: np.ndarray) -> np.ndarray:
    """The official 1,000 projected gradient steps (lr 1e-8), as chunked linear recurrences."""
    remaining = GRAD_EPOCHS
    chunk = GRAD_EPOCHS
    while remaining > 0:
        chunk = min(chunk, remaining)
        g, hess = problem.grad_hess(s)
        movable = problem.movable & ~_pinned(problem, s, -g)
        step = _linear_gd_displacement(g, hess, movable, chunk)
        if chunk > 1 and np.any(np.abs(step) > 0.05 * problem.gap(s)):
            chunk //= 2
            continue
        s = problem.project(s + step)
        remaining -= chunk
    return s


def _pinned(problem: InnerProblem, s: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Coordinates sitting on a bound of the box and pushed outwards by ``direction``."""
    return ((s <= problem.lower) & (direction < 0)) | ((s >= problem.upper) & (direction > 0))


def _linear_gd_displacement(
    g: np.ndarray, hess: np.ndarray, movable: np.ndarray, epochs: int
) -> np.ndarray:
    """Total move of ``epochs`` gradient steps on the quadratic model: -(I-(I-lr H)^m) H^-1 g."""
    step = np.zeros_like(g)
    idx = np.flatnonzero(movable)
    if idx.size == 0:
        return step
    sub = hess[np.ix_(idx, idx)] if idx.size < g.size else hess
    if idx.size == 1:
        lam, vec = sub[0], np.ones((1, 1))
    else:
        lam, vec = np.linalg.eigh(0.5 * (sub + sub.T))
    shrink = 1.0 - (1.0 - GRAD_LR * lam) ** epochs
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(np.abs(GRAD_LR * lam) > 1e-12, shrink / lam, GRAD_LR * epochs)
    step[idx] = -vec @ (gain * (vec.T @ g[idx]))
    return step


def newton_epochs(problem: InnerProblem, s: np.ndarray) -> np.ndarray:
    """The official 100 damped, projected Newton steps (rate 0.1), via the stationary point.

    Coordinates whose stationary value lies outside the box end on the bound (each step is
    projected), and the others then converge to the stationary point with those held there.
    """
    g, hess = problem.grad_hess(s)
    active = problem.movable & (np.abs(np.diag(hess)) > MIN_CURVATURE)
    start = s.copy()
    target = s.copy()
    while active.any():
        found = _stationary_point(problem, start, active)
        if found is None:
            return _literal_newton_epochs(problem, s)
        outside = active & ((found < problem.lower) | (found > problem.upper))
        if not outside.any():
            target = found
            break
        start[outside] = problem.project(found)[outside]
        target = start.copy()
        active &= ~outside
    if not active.any():
        return problem.project(target)
    idx = np.flatnonzero(active)
    _, hess_t = problem.grad_hess(target)
    out = target.copy()
    if idx.size == 1:
        factor = (1.0 - NEWTON_LR) ** NEWTON_EPOCHS
        out[idx] = target[idx] + factor * (s[idx] - target[idx])
    else:
        sub = hess_t[np.ix_(idx, idx)]
        rate = np.eye(idx.size) - NEWTON_LR * sub / np.diag(sub)[:, None]
        power = np.linalg.matrix_power(rate, NEWTON_EPOCHS)
        out[idx] = target[idx] + power @ (s[idx] - target[idx])
    return problem.project(out)


def _stationary_point(problem: InnerProblem, s: np.ndarray, active: np.ndarray) -> np.ndarray | None:
    """Where the inner gradient vanishes in the ``active`` coordinates (full Newton).

    Steps are halved to stay inside the data. Returns None when the inner problem is not
    locally convex, so that the caller falls back to the literal damped iteration.
    """
    idx = np.flatnonzero(active)
    point = s.copy()
    full = idx.size == point.size
    for _ in range(50):
        g, hess = problem.grad_hess(point)
        sub = hess if full else hess[np.ix_(idx, idx)]
        if not _positive_definite(sub):
            return None
        step = np.zeros_like(point)
        step[idx] = -_solve(sub, g[idx])
        while np.any(np.abs(step) >= 0.9 * problem.gap(point)):
            step *= 0.5
        point = point + step
        # Newton converges quadratically: after a step this small the next is below rounding.
        if np.all(np.abs(step) <= 1e-8 * problem.gap(point)):
            break
        # Outside the box the projected path stops at the bound: no need to go further.
        outside = (point < problem.lower) | (point > problem.upper)
        if np.any(outside & active) and np.all(np.abs(step) < 1e-3 * problem.gap(point)):
            break
    return point


def _literal_newton_epochs(problem: InnerProblem, s: np.ndarray) -> np.ndarray:
    """The damped Newton loop exactly as the official code runs it (rarely needed)."""
    for _ in range(NEWTON_EPOCHS):
        g, hess = problem.grad_hess(s)
        h = np.diag(hess)
        move = problem.movable & (np.abs(h) > MIN_CURVATURE)
        step = np.where(move, -NEWTON_LR * g / np.where(move, h, 1.0), 0.0)
        s = problem.project(s + step)
    return s


@dataclass
class PathEnd:
    """Where the emulated official loop stops."""

    state: np.ndarray
    iterations: int
    converged: bool


OuterStep = Callable[[np.ndarray, int], np.ndarray]


def follow_path(
    outer_step: OuterStep,
    beta_of: Callable[[np.ndarray], float],
    project: Callable[[np.ndarray], np.ndarray],
    state: np.ndarray,
    max_iterations: int,
) -> PathEnd:
    """Emulate the official outer loop ``s_{k+1} = T(s_k) = outer_step(s_k, k)`` and its stop.

    With F(s) = T(s) - s and J its Jacobian, m iterations of the linearised loop move s by
    ``((I + J)^m - I) J^{-1} F(s)`` exactly; that handles slow creep, fast (stiff) modes and
    convergence to a fixed point alike. A jump of m iterations is kept when it predicts the
    move at its end point, ``(I + J)^m F(s)``, to within ``JUMP_RTOL`` of the current move;
    otherwise m is halved, down to one literal iteration. No jump crosses ``k = 100``, where
    the official loop switches from gradient to Newton epochs.
    """
    k = 0
    jump = 1
    move = outer_step(state, k) - state
    while k < max_iterations:
        if k > GRAD_ITERATIONS + 1 and _official_stop(beta_of, state, move):
            return PathEnd(state + move, k + 1, True)
        phase_end = GRAD_ITERATIONS if k < GRAD_ITERATIONS else max_iterations
        jump = max(1, min(jump, phase_end - k))
        idx = np.flatnonzero(move != 0)
        jac = _jacobian(outer_step, state, move, idx, k) if jump > 1 else None
        while True:
            new_state, predicted = _linear_jump(state, move, idx, jac, jump, project)
            new_move = outer_step(new_state, k + jump) - new_state
            error = np.max(np.abs(new_move - predicted), initial=0.0)
            if jump == 1 or error <= JUMP_RTOL * np.max(np.abs(move)) + PATH_ATOL:
                break
            jump = max(1, jump // 2)
            if jump == 1:
                new_state, new_move = state + move, outer_step(state + move, k + 1) - (state + move)
                break
        k += jump
        state, move = new_state, new_move
        jump = min(2 * jump, MAX_JUMP) if error <= 0.1 * JUMP_RTOL * np.max(np.abs(move), initial=0.0) else jump
        jump = max(jump, 2)
    return PathEnd(state, max_iterations, False)


def _linear_jump(
    state: np.ndarray,
    move: np.ndarray,
    idx: np.ndarray,
    jac: np.ndarray | None,
    jump: int,
    project: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """State after ``jump`` linearised iterations, and the move predicted there."""
    if jump == 1 or jac is None or idx.size == 0:
        return state + move, move
    lam, vec = np.linalg.eig(jac)
    growth = (1.0 + lam.astype(complex)) ** jump
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(np.abs(lam) > 1e-14, (growth - 1.0) / lam, float(jump))
    coords = np.linalg.solve(vec, move[idx].astype(complex))
    new_state = state.copy()
    new_state[idx] = state[idx] + np.real(vec @ (gain * coords))
    predicted = np.zeros_like(move)
    predicted[idx] = np.real(vec @ (growth * coords))
    projected = project(new_state)
    if np.any(projected != new_state):
        predicted = np.where(projected != new_state, 0.0, predicted)
    return projected, predicted


def _official_stop(
    beta_of: Callable[[np.ndarray], float], state: np.ndarray, step: np.ndarray
) -> bool:
    """The official rule |beta_k - beta_{k-1}| < 1e-10, or a state that no longer moves."""
    if np.all(np.abs(step) <= PATH_ATOL * np.maximum(1.0, np.abs(state))):
        return True
    return abs(beta_of(state + step) - beta_of(state)) < BETA_TOL


def _jacobian(
    outer_step: OuterStep, state: np.ndarray, move: np.ndarray, idx: np.ndarray, k: int
) -> np.ndarray:
    """Finite-difference Jacobian of F(s) = T(s) - s over the coordinates ``idx``."""
    jac = np.empty((idx.size, idx.size))
    for col, i in enumerate(idx):
        delta = 1e-7 * max(abs(state[i]), 1e-3)
        probe = state.copy()
        probe[i] += delta
        jac[:, col] = ((outer_step(probe, k) - probe)[idx] - move[idx]) / delta
    return jac
