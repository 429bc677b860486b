"""Gradient descent on linear regression, for the regression and learning-rate lessons.

    model   ŷ = θ₀ + θ₁·x
    cost    J(θ) = 1/(2m) · Σ_i (θ₀ + θ₁·x_i − y_i)²
    grad    ∇J  = 1/m · [Σ_i r_i,  Σ_i r_i·x_i]      with r_i = θ₀ + θ₁·x_i − y_i
    update  θ ← θ − α·∇J

J is a quadratic bowl with Hessian H = 1/m·XᵀX. Along each eigenvector of H a step multiplies
the distance to θ* by 1 − αλ, so the regime of a run follows from f = 1 − αλ_max alone:

    0 ≤ f < 1     converging     every step moves towards θ* from the same side
    −1 < f < 0    overshooting   every step jumps across the valley, yet |f| < 1: it converges
    f = −1        oscillating    it jumps between two points for ever (α = 2/λ_max exactly)
    f < −1        diverging      |f| > 1: each jump is longer than the one before
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A run is called diverged once its cost passes this multiple of the starting cost (or overflows).
DIVERGE_FACTOR = 1e3


@dataclass(frozen=True)
class Points:
    x: np.ndarray   # [m] float64
    y: np.ndarray   # [m] float64


def make_points(m: int = 40, slope: float = 1.5, intercept: float = 0.8, noise: float = 0.45,
                seed: int = 0) -> Points:
    """m noisy points around y = intercept + slope·x, x uniform in [−1, 3]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 3.0, m)
    y = intercept + slope * x + rng.normal(0.0, noise, m)
    return Points(x, y)


def cost(points: Points, theta) -> float:
    """J(θ) = 1/(2m) Σ (θ₀ + θ₁x − y)²."""
    r = theta[0] + theta[1] * points.x - points.y
    return float(r @ r / (2 * len(r)))


def gradient(points: Points, theta) -> np.ndarray:
    """∇J(θ) = 1/m [Σ r, Σ r·x]."""
    r = theta[0] + theta[1] * points.x - points.y
    return np.array([r.sum(), r @ points.x]) / len(r)


def closed_form(points: Points) -> np.ndarray:
    """The least-squares θ = argmin J, by the normal equations (XᵀX)θ = Xᵀy."""
    X = np.stack([np.ones_like(points.x), points.x], axis=1)
    return np.linalg.solve(X.T @ X, X.T @ points.y)


def critical_lr(points: Points) -> float:
    """2/λ_max(H), H = 1/m·XᵀX: gradient descent diverges for α above this."""
    X = np.stack([np.ones_like(points.x), points.x], axis=1)
    return float(2.0 / np.linalg.eigvalsh(X.T @ X / len(points.x)).max())


def step_factors(points: Points, lr: float) -> tuple[float, float]:
    """(1 − αλ_min, 1 − αλ_max): each step multiplies the distance to θ* along the flattest and
    the steepest direction of J by these; |factor| > 1 grows (diverges), < 0 flips sides (overshoots)."""
    X = np.stack([np.ones_like(points.x), points.x], axis=1)
    lam = np.linalg.eigvalsh(X.T @ X / len(points.x))
    return float(1 - lr * lam[0]), float(1 - lr * lam[-1])


REGIMES = ("converging", "overshooting", "oscillating", "diverging")


def regime(points: Points, lr: float) -> str:
    """The theory's label for α on this data, from f = 1 − αλ_max (see the module docstring)."""
    f = step_factors(points, lr)[1]
    if np.isclose(f, -1.0, rtol=0.0, atol=1e-12):
        return "oscillating"
    if f < -1.0:
        return "diverging"
    return "overshooting" if f < 0.0 else "converging"


def example_rates(points: Points) -> tuple[float, float, float]:
    """One α of each regime that a run shows clearly, chosen by rule from λ_max:
    f = 1 − αλ_max = 0.6 (converging), −0.8 (overshooting), −1.15 (diverging)."""
    lam = 2.0 / critical_lr(points)
    return 0.4 / lam, 1.8 / lam, 2.15 / lam


@dataclass(frozen=True)
class Run:
    """A gradient-descent run: θ_k, J(θ_k) and ∇J(θ_k) for k = 0 … steps (or until it diverged)."""
    lr: float
    thetas: np.ndarray      # [k+1, 2]
    costs: np.ndarray       # [k+1]
    grads: np.ndarray       # [k+1, 2]
    diverged_at: int | None  # first step whose cost passed DIVERGE_FACTOR × J(θ₀), else None
    status: str             # regime(points, lr): known from step 0, not from how the run looks so far
    peak_costs: np.ndarray  # [k+1] the largest finite J up to each step: a cost axis that holds the run so far

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def cost_top(self, k: int) -> float:
        """The top of a cost axis for steps 0 … k: J(θ₀), or the largest J reached by step k if a
        run that overshoots or diverges climbed above it (never inf or NaN)."""
        k = min(max(0, int(k)), len(self.peak_costs) - 1)
        return float(self.peak_costs[k])


def gradient_descent(points: Points, lr: float, steps: int, theta0=(0.0, 0.0)) -> Run:
    """Run θ ← θ − α∇J for `steps` steps from theta0, stopping early when it diverges.

    status is the theory's regime(points, lr); diverged_at is the step the cost passed
    DIVERGE_FACTOR × J(θ₀) (the run stops there), which only a 'diverging' run can reach.
    """
    theta = np.array(theta0, np.float64)
    thetas, costs, grads = [theta.copy()], [cost(points, theta)], [gradient(points, theta)]
    limit, diverged_at = DIVERGE_FACTOR * max(costs[0], 1e-12), None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            theta = theta - lr * grads[-1]
            j = cost(points, theta)
            thetas.append(theta.copy())
            costs.append(j)
            grads.append(gradient(points, theta))
            if not np.isfinite(j) or j > limit:
                diverged_at = k
                break
    costs = np.array(costs)
    finite = np.where(np.isfinite(costs), costs, -np.inf)
    peaks = np.maximum.accumulate(finite)
    peaks = np.where(np.isfinite(peaks), peaks, np.finfo(np.float64).max)   # an overflow: the largest float
    return Run(lr, np.array(thetas), costs, np.array(grads), diverged_at, regime(points, lr), peaks)


@dataclass(frozen=True)
class CostGrid:
    """J sampled on a grid: values[i, j] = J(θ₀ = t0[j], θ₁ = t1[i])."""
    t0: np.ndarray
    t1: np.ndarray
    values: np.ndarray


def cost_grid(points: Points, t0_range, t1_range, n: int = 80) -> CostGrid:
    """J over an n×n grid of (θ₀, θ₁) in the given ranges (vectorised, exact)."""
    t0 = np.linspace(*t0_range, n)
    t1 = np.linspace(*t1_range, n)
    T0, T1 = np.meshgrid(t0, t1)
    r = T0[..., None] + T1[..., None] * points.x - points.y
    return CostGrid(t0, t1, (r * r).sum(axis=-1) / (2 * len(points.x)))


def contour_levels(grid: CostGrid, count: int = 12) -> np.ndarray:
    """Contour levels spaced geometrically from just above the minimum to the grid's maximum."""
    lo, hi = float(grid.values.min()), float(grid.values.max())
    return lo + (hi - lo) * np.geomspace(1e-3, 1.0, count)
