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
CONTRACTED = 1e-3  # Newton forgets its start if M^100, in units of the gaps, is this small
MODEL_RTOL = 0.02  # a chunk of inner steps is kept if its end gradient is predicted this well
JUMP_RTOL = 0.05  # a jump must predict each coordinate's move at its end to within 5 %
MAX_JUMP = 1 << 14  # longest jump, in iterations
PATH_ATOL = 1e-15  # moves smaller than this (relative to the offsets) count as none


@dataclass
class ScalarProblem:
    """The inner problem in ε_∞ alone (other offsets fixed), in plain floats for speed.

    ``grad_hess(v)`` gives the gradient and curvature of 0.5 * mean(r^2) at ε_∞ = v;
    v must stay below ``data_limit`` (the smallest loss).
    """

    grad_hess: Callable[[float], tuple[float, float]]
    data_limit: float


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
    offset_only: ScalarProblem | None = None  # set when only ε_∞ can move (M2; M4 with α = 0)

    def project(self, s: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(s, self.lower), self.upper)


def gradient_epochs(problem: InnerProblem, s: np.ndarray) -> np.ndarray:
    """The official 1,000 projected gradient steps, s <- s - 1e-8 g."""
    return _run_epochs(problem, s, GRAD_EPOCHS, newton=False)


def newton_epochs(problem: InnerProblem, s: np.ndarray) -> np.ndarray:
    """The official 100 projected, damped Newton steps, s_i <- s_i - 0.1 g_i / h_ii.

    A coordinate moves only if it is learnable and |h_ii| > 1e-5, as in the official code.
    When the steps provably forget where they started (see :func:`_contracted_newton`), the
    end point follows from the stationary point; otherwise the steps are run in chunks.
    """
    if problem.offset_only is None:
        end = _contracted_newton(problem, s)
        if end is not None:
            return end
    return _run_epochs(problem, s, NEWTON_EPOCHS, newton=True)


def _contracted_newton(problem: InnerProblem, s: np.ndarray) -> np.ndarray | None:
    """End of the damped Newton loop as s* + M^100 (s - s*), or None if that is not safe.

    s* is the stationary point (full Newton) and M = I - 0.1 D^{-1} H the loop's linear rate
    there. Safe means: both offsets move, H is positive definite at s and all along the
    Newton iterates, s* lies strictly inside the box, and M^100, measured in units of each
    offset's gap to the data, is below ``CONTRACTED`` — then the nonlinear start of the loop
    no longer shows at its end.
    """
    g, hess = problem.grad_hess(s)
    if not (problem.movable.all() and np.all(np.abs(hess.diagonal()) > MIN_CURVATURE)):
        return None
    point = s.copy()
    for _ in range(30):
        if not _positive_definite_2x2(hess):
            return None
        step = -_solve_2x2(hess, g)
        if np.any(np.abs(step) >= 0.5 * problem.gap(point)):
            return None
        point = point + step
        g, hess = problem.grad_hess(point)
        if np.all(np.abs(step) <= 1e-10 * problem.gap(point)):
            break
    else:
        return None
    if np.any(point <= problem.lower) or np.any(point >= problem.upper):
        return None
    rate = np.eye(2) - NEWTON_LR * hess / hess.diagonal()[:, None]
    shrink = np.linalg.matrix_power(rate, NEWTON_EPOCHS)
    scale = problem.gap(point)
    if np.max(np.abs(shrink * scale[None, :] / scale[:, None])) > CONTRACTED:
        return None
    return problem.project(point + shrink @ (s - point))


def _positive_definite_2x2(hess: np.ndarray) -> bool:
    return bool(hess[0, 0] > 0 and hess[0, 0] * hess[1, 1] - hess[0, 1] * hess[1, 0] > 0)


def _solve_2x2(hess: np.ndarray, g: np.ndarray) -> np.ndarray:
    det = hess[0, 0] * hess[1, 1] - hess[0, 1] * hess[1, 0]
    return np.array([
        (hess[1, 1] * g[0] - hess[0, 1] * g[1]) / det,
        (hess[0, 0] * g[1] - hess[1, 0] * g[0]) / det,
    ])  # fmt: skip


def _run_epochs(problem: InnerProblem, s: np.ndarray, epochs: int, *, newton: bool) -> np.ndarray:
    """``epochs`` projected steps s <- s - P g(s), in chunks that are exact on a quadratic model.

    Within a chunk of m steps g is linearised, g(s + d) = g + H d, so the steps form a linear
    recurrence with a closed-form total move. A chunk is kept only if the gradient at its end
    matches the model's prediction to within ``MODEL_RTOL``; otherwise it is halved (down to a
    literal step). Coordinates on a bound and pushed outwards stay there, as the projection
    keeps them.
    """
    if problem.offset_only is not None:
        out = s.copy()
        run = _scalar_newton if newton else _scalar_gradient
        lower, upper = float(problem.lower[0]), float(problem.upper[0])
        out[0] = run(problem.offset_only, float(s[0]), lower, upper)
        return out
    remaining = chunk = epochs
    g, hess = problem.grad_hess(s)
    while remaining > 0:
        chunk = min(chunk, remaining)
        rate, usable = _preconditioner(hess, newton)
        movable = problem.movable & usable & ~_pinned(problem, s, -rate * g)
        step = _recurrence_move(g, hess, rate, movable, chunk)
        new_s = problem.project(s + step)
        if chunk > 1 and not np.all(np.abs(step) <= 0.5 * problem.gap(s)):
            chunk //= 2
            continue
        new_g, new_hess = problem.grad_hess(new_s)
        floor = 1e-9 * np.abs(hess.diagonal()) * problem.gap(s)
        if chunk > 1 and not _model_held(
            g, hess, new_g, new_hess, new_s - s, movable, newton, floor
        ):
            chunk //= 2
            continue
        s, g, hess = new_s, new_g, new_hess
        remaining -= chunk
        chunk *= 2
    return s


def _scalar_newton(problem: ScalarProblem, v: float, lower: float, upper: float) -> float:
    """100 projected damped Newton steps in ε_∞ alone: the stationary point w, approached at
    the rate 0.9 per step, so the loop ends at w + 0.9^100 (v - w), clipped to the box.

    Falls back to the literal loop where the curvature is not positive along the way.
    """
    g, h = problem.grad_hess(v)
    if abs(h) <= MIN_CURVATURE:
        return v
    w = v
    for _ in range(60):
        if h <= 0:
            return _scalar_literal_newton(problem, v, lower, upper)
        step = -g / h
        room = problem.data_limit - w
        if step >= 0.9 * room:
            step = 0.9 * room
        w += step
        if abs(step) <= 1e-10 * room or (w < lower and abs(step) < 1e-3 * room):
            break
        g, h = problem.grad_hess(w)
    end = w + (1.0 - NEWTON_LR) ** NEWTON_EPOCHS * (v - w)
    return min(max(end, lower), upper)


def _scalar_literal_newton(problem: ScalarProblem, v: float, lower: float, upper: float) -> float:
    """The official damped Newton loop, step by step."""
    for _ in range(NEWTON_EPOCHS):
        g, h = problem.grad_hess(v)
        if abs(h) > MIN_CURVATURE:
            v = min(max(v - NEWTON_LR * g / h, lower), upper)
    return v


def _scalar_gradient(problem: ScalarProblem, v: float, lower: float, upper: float) -> float:
    """1,000 projected gradient steps in ε_∞ alone, in validated linear-recurrence chunks."""
    remaining = chunk = GRAD_EPOCHS
    g, h = problem.grad_hess(v)
    while remaining > 0:
        chunk = min(chunk, remaining)
        factor = 1.0 - GRAD_LR * h
        total = _doubling_sum_1x1(factor, chunk) * GRAD_LR
        new_v = min(max(v - total * g, lower), upper)
        room = problem.data_limit - v
        if chunk > 1 and abs(new_v - v) > 0.5 * room:
            chunk //= 2
            continue
        new_g, new_h = problem.grad_hess(new_v)
        misfit = abs(new_g - (g + h * (new_v - v)))
        if chunk > 1 and misfit > MODEL_RTOL * max(abs(g), abs(new_g)) + 1e-9 * abs(h) * room:
            chunk //= 2
            continue
        v, g, h = new_v, new_g, new_h
        remaining -= chunk
        chunk *= 2
    return v


def _model_held(
    g: np.ndarray,
    hess: np.ndarray,
    new_g: np.ndarray,
    new_hess: np.ndarray,
    move: np.ndarray,
    movable: np.ndarray,
    newton: bool,
    floor: np.ndarray,
) -> bool:
    """Did the chunk's model hold: the gradient at its end is g + H d, and, for Newton steps
    whose factors 0.1/h_ii were frozen over the chunk, the curvatures h_ii barely changed?

    ``floor`` is the gradient misfit that counts as rounding (near a stationary point the
    gradient itself vanishes, so a purely relative test would never pass).
    """
    scale = np.maximum(np.abs(g), np.abs(new_g)) + floor / MODEL_RTOL + 1e-300
    if np.any((np.abs(new_g - (g + hess @ move)) > MODEL_RTOL * scale)[movable]):
        return False
    if newton:
        old_h, new_h = hess.diagonal(), new_hess.diagonal()
        drift = np.abs(new_h - old_h) > MODEL_RTOL * np.abs(old_h)
        return not np.any(drift[movable])
    return True


def _preconditioner(hess: np.ndarray, newton: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-coordinate step factors P and which coordinates the official rule lets move."""
    diag = hess.diagonal()
    if not newton:
        return np.full_like(diag, GRAD_LR), np.ones_like(diag, dtype=bool)
    usable = np.abs(diag) > MIN_CURVATURE
    return np.where(usable, NEWTON_LR / np.where(usable, diag, 1.0), 0.0), usable


def _pinned(problem: InnerProblem, s: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Coordinates sitting on a bound of the box and pushed outwards by ``direction``."""
    return ((s <= problem.lower) & (direction < 0)) | ((s >= problem.upper) & (direction > 0))


def _recurrence_move(
    g: np.ndarray, hess: np.ndarray, rate: np.ndarray, movable: np.ndarray, steps: int
) -> np.ndarray:
    """Total move of ``steps`` iterations of d <- d - P (g + H d), P = diag(rate), from d = 0.

    The move is -S P g with S = sum_{j<m} (I - P H)^j, summed by doubling in plain floats
    (1x1 or 2x2: numpy's per-call cost would exceed the arithmetic).
    """
    move = np.zeros_like(g)
    if movable.all() and g.size == 2:
        m11, m12 = 1.0 - rate[0] * hess[0, 0], -rate[0] * hess[0, 1]
        m21, m22 = -rate[1] * hess[1, 0], 1.0 - rate[1] * hess[1, 1]
        s11, s12, s21, s22 = _doubling_sum_2x2(m11, m12, m21, m22, steps)
        p0, p1 = rate[0] * g[0], rate[1] * g[1]
        move[0] = -(s11 * p0 + s12 * p1)
        move[1] = -(s21 * p0 + s22 * p1)
        return move
    for i in np.flatnonzero(movable):
        factor = 1.0 - rate[i] * hess[i, i]
        move[i] = -_doubling_sum_1x1(float(factor), steps) * rate[i] * g[i]
    return move


def _doubling_sum_1x1(factor: float, steps: int) -> float:
    """sum_{j<m} factor^j."""
    if abs(1.0 - factor) < 1e-13:
        return float(steps)
    return (1.0 - factor**steps) / (1.0 - factor)


def _doubling_sum_2x2(
    m11: float, m12: float, m21: float, m22: float, steps: int
) -> tuple[float, float, float, float]:
    """S = sum_{j<m} M^j for a 2x2 M, by binary doubling: S_{a+b} = S_a + M^a S_b."""
    # (p, s) hold M^a and S_a for the bits consumed so far; (q, t) hold M^(2^i), S_(2^i).
    p = (1.0, 0.0, 0.0, 1.0)
    s = (0.0, 0.0, 0.0, 0.0)
    q = (m11, m12, m21, m22)
    t = (1.0, 0.0, 0.0, 1.0)
    while steps:
        if steps & 1:
            s = _add(s, _mul(p, t))
            p = _mul(p, q)
        t = _add(t, _mul(q, t))
        q = _mul(q, q)
        steps >>= 1
    return s


def _mul(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float]:
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
    )


def _add(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


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
    ``((I + J)^m - I) J^{-1} F(s)`` exactly (T must be a pure function of s, so that J can be
    measured by finite differences); that handles slow creep, fast (stiff) modes and
    convergence to a fixed point alike. A jump of m iterations is kept when it predicts the
    move at its end point, ``(I + J)^m F(s)``, to within ``JUMP_RTOL`` of the current move;
    otherwise m is halved, down to one literal iteration. J is measured afresh by finite
    differences for every jump (secant updates were tried: cheaper, but a stale J let wrong
    jumps through on 3 of 188 reference fits). No jump crosses ``k = 100``, where the official
    loop switches from gradient to Newton epochs.
    """
    k, jump = 0, 1
    move = outer_step(state, k) - state
    while k < max_iterations:
        if k > GRAD_ITERATIONS + 1 and _official_stop(beta_of, state, move):
            return PathEnd(state + move, k + 1, True)
        phase_end = GRAD_ITERATIONS if k < GRAD_ITERATIONS else max_iterations
        jump = max(1, min(jump, phase_end - k))
        idx = np.flatnonzero(move != 0)
        jac = _Jacobian.measure(outer_step, state, move, idx, k) if jump > 1 else None
        while True:
            new_state, predicted = _linear_jump(state, move, jac, jump, project)
            new_move = outer_step(new_state, k + jump) - new_state
            error = _relative_misfit(new_move, predicted, move, state)
            if jump == 1 or error <= JUMP_RTOL:
                break
            jump //= 2
        k += jump
        state, move = new_state, new_move
        jump = min(MAX_JUMP, max(2, 2 * jump if error <= 0.1 * JUMP_RTOL else jump))
    return PathEnd(state, max_iterations, False)


@dataclass
class _Jacobian:
    """J of F(s) = T(s) - s over the moving coordinates ``idx``."""

    idx: np.ndarray
    matrix: np.ndarray

    @classmethod
    def measure(
        cls, outer_step: OuterStep, state: np.ndarray, move: np.ndarray, idx: np.ndarray, k: int
    ) -> _Jacobian:
        """By forward differences, one probe per moving coordinate."""
        matrix = np.empty((idx.size, idx.size))
        for col, i in enumerate(idx):
            delta = 1e-7 * max(abs(state[i]), 1e-3)
            probe = state.copy()
            probe[i] += delta
            matrix[:, col] = ((outer_step(probe, k) - probe)[idx] - move[idx]) / delta
        return cls(idx, matrix)


def _linear_jump(
    state: np.ndarray,
    move: np.ndarray,
    jac: _Jacobian | None,
    jump: int,
    project: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """State after ``jump`` linearised iterations, and the move predicted there."""
    if jump == 1 or jac is None or jac.idx.size == 0:
        return state + move, move
    idx = jac.idx
    if idx.size == 1:
        lam1 = float(jac.matrix[0, 0])
        growth1 = (1.0 + lam1) ** jump
        gain1 = (growth1 - 1.0) / lam1 if abs(lam1) > 1e-14 else float(jump)
        new_state = state.copy()
        new_state[idx] += gain1 * move[idx]
        projected = project(new_state)
        predicted = np.where(projected != new_state, 0.0, growth1 * move)
        return projected, predicted
    lam, vec = np.linalg.eig(jac.matrix)
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


def _relative_misfit(
    actual: np.ndarray, predicted: np.ndarray, move: np.ndarray, state: np.ndarray
) -> float:
    """Largest per-coordinate prediction error, relative to that coordinate's own move."""
    scale = np.abs(move) + PATH_ATOL * np.maximum(1.0, np.abs(state))
    return float(np.max(np.abs(actual - predicted) / scale))


def _official_stop(
    beta_of: Callable[[np.ndarray], float], state: np.ndarray, step: np.ndarray
) -> bool:
    """The official rule |beta_k - beta_{k-1}| < 1e-10, or a state that no longer moves."""
    if np.all(np.abs(step) <= PATH_ATOL * np.maximum(1.0, np.abs(state))):
        return True
    return abs(beta_of(state + step) - beta_of(state)) < BETA_TOL
