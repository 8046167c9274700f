"""Unit tests of the pieces of the official-path emulation (estimators/_official_path.py) and
of the NNLS step M4 uses; end-to-end fidelity is in test_fidelity.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import nnls

from scalinglaws.estimators import _official_path as path
from scalinglaws.estimators._linear import FixedDesignNNLS


def _doubling_move(hess, rates, steps):
    """-S P g with S = sum_{j<m} (I - P H)^j, summed by doubling (the reference)."""
    g0, g1, h00, h01, h11 = hess
    p0, p1 = rates
    matrix = (1.0 - p0 * h00, -p0 * h01, -p1 * h01, 1.0 - p1 * h11)
    s11, s12, s21, s22 = path._power_and_sum_2x2(*matrix, steps)[1]
    return -(s11 * p0 * g0 + s12 * p1 * g1), -(s21 * p0 * g0 + s22 * p1 * g1)


def _random_hessian(rng):
    root = rng.normal(size=(2, 2))
    h = root @ root.T * 10 ** rng.uniform(-2, 6)
    if rng.random() < 0.3:  # nearly singular: the slow manifolds of the benchmark
        h[0, 1] = h[1, 0] = np.sqrt(h[0, 0] * h[1, 1]) * rng.uniform(-0.9999999, 0.9999999)
    g = rng.normal(size=2) * 10 ** rng.uniform(-3, 3)
    return (g[0], g[1], h[0, 0], h[0, 1], h[1, 1])


@pytest.mark.parametrize("kind", ["gradient", "newton", "one pinned"])
def test_recurrence_move_closed_form_matches_doubling(kind):
    rng = np.random.default_rng({"gradient": 0, "newton": 1, "one pinned": 2}[kind])
    worst = 0.0
    for _ in range(3000):
        hess = _random_hessian(rng)
        if kind == "gradient":
            rates, steps = (1e-8, 1e-8), int(rng.integers(1, 1001))
        elif kind == "newton":
            rates, steps = (0.1 / hess[2], 0.1 / hess[4]), int(rng.integers(1, 101))
        else:
            rates = (0.0, 0.1 / hess[4]) if rng.random() < 0.5 else (1e-8, 0.0)
            steps = int(rng.integers(1, 1001))
        got = path._recurrence_move(hess, rates, steps)
        want = _doubling_move(hess, rates, steps)
        scale = max(abs(want[0]), abs(want[1]), 1e-300)
        worst = max(worst, abs(got[0] - want[0]) / scale, abs(got[1] - want[1]) / scale)
    assert worst < 1e-10


def test_recurrence_move_negative_curvature_falls_back_to_doubling():
    hess = (0.3, -0.2, -4.0, 1.0, 2.0)  # Newton factor 0.1 / h00 < 0
    rates = (0.1 / hess[2], 0.1 / hess[4])
    assert path._recurrence_move(hess, rates, 37) == _doubling_move(hess, rates, 37)


def test_newton_power_closed_form_matches_doubling():
    rng = np.random.default_rng(3)
    for _ in range(2000):
        h00, h11 = 10 ** rng.uniform(-3, 5, size=2)
        h01 = np.sqrt(h00 * h11) * rng.uniform(-1.5, 1.5)
        rate = (0.9, -0.1 * h01 / h00, -0.1 * h01 / h11, 0.9)
        want = path._power_and_sum_2x2(*rate, 100)[0]
        got = path._newton_power(h00, h01, h11)
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12 * max(map(abs, want)))


def test_slow_left_eigenvector():
    jac = [[-3.5e-3, 7.7e-5], [-1.2e-4, -1.016]]  # measured on LM val_loss 2.62e8 (k = 459)
    w = np.array(path._slow_left_eigenvector(jac))
    eigenvalues = np.linalg.eigvals(np.array(jac))
    slow = eigenvalues[np.argmax(np.abs(1 + eigenvalues))]
    assert np.allclose(w @ np.array(jac), slow * w, rtol=1e-9)
    assert path._slow_left_eigenvector([[-0.3, 0.0], [0.0, -0.2]]) is None  # no fast mode
    assert path._slow_left_eigenvector([[-1.0, -0.5], [0.5, -1.0]]) is None  # complex
    assert path._slow_left_eigenvector([[-1.0, 0.0], [0.0, -0.95]]) is None  # both fast


def test_jump_error_forgives_the_fast_mode_only():
    jac = path._Jacobian([0, 1], [[-3.5e-3, 0.0], [0.0, -1.0]])  # ε_∞ slow, ε_0 fast
    state, move = (0.2, 1.0), (-1.5e-5, 5e-8)
    predicted = (-1.49e-5, 4.8e-8)
    fast_miss = (-1.49e-5, 5.8e-8)  # ε_0 off by 20 % of its own, tiny, move
    slow_miss = (-2.0e-5, 4.8e-8)  # ε_∞ off by a third of its move
    assert path._relative_misfit(fast_miss, predicted, move, state) > 0.1
    assert path._jump_error(fast_miss, predicted, move, state, jac) < 0.01
    assert path._jump_error(slow_miss, predicted, move, state, jac) > 0.3
    without_fast = path._Jacobian([0, 1], [[-3.5e-3, 0.0], [0.0, -0.5]])
    assert path._jump_error(fast_miss, predicted, move, state, without_fast) > 0.1


def test_longest_inside_stops_short_of_the_bound():
    def project(s):
        return (max(s[0], 0.0),)

    jac = path._Jacobian([0], [[0.0]])  # constant move: after m iterations, 1 - 0.03 m
    move, state = (-0.03,), (1.0,)
    longest = path._longest_inside(state, move, jac, 64, project)
    assert longest == 33  # 1 - 0.03 * 33 = 0.01 is inside, 1 - 0.03 * 34 is not
    assert not path._linear_jump(state, move, jac, longest, project)[2]
    assert path._linear_jump(state, move, jac, longest + 1, project)[2]
    assert path._longest_inside(state, move, jac, 8, project) == 7  # never longer than asked


def test_jump_landing_on_the_phase_switch_is_checked_in_its_own_phase():
    """A linear map in the gradient phase and a different one after k = 100: jumps up to the
    switch must be accepted (before, the Newton move at k = 100 rejected them all)."""
    calls = []

    def outer_step(state, k):
        calls.append(k)
        rate = 0.01 if k < path.GRAD_ITERATIONS else 0.5
        return (state[0] - rate * state[0],)

    end = path.follow_path(
        outer_step, beta_of=lambda s: s[0], project=lambda s: s, state=(1.0,), max_iterations=100
    )
    assert end.iterations == 100
    assert end.state[0] == pytest.approx(0.99**100, rel=1e-7)
    assert len(calls) < 25  # one literal step, then doubling jumps and their probes


def test_nnls_matches_scipy():
    rng = np.random.default_rng(4)
    n = 30
    x = np.sort(rng.uniform(1e3, 1e9, n))
    y = np.sort(rng.uniform(0.2, 0.9, n))[::-1]
    design = np.column_stack([np.ones(n), -np.log(x), np.log(1.0 - y)])
    solver = FixedDesignNNLS(design)
    supports = set()
    for _ in range(400):
        target = design @ rng.normal(size=3) + rng.normal(scale=0.3, size=n)
        got = solver.solve(target)
        want = nnls(design, target)[0]
        assert np.allclose(got, want, rtol=1e-7, atol=1e-9)
        supports.add(tuple(got > 0))
    assert len(supports) >= 4  # warm starts on one support and searches for others
