"""Probability distributions in which the random semantics are specified.

A random initializer is specified by the distribution of each element, never
by sample values: different frameworks use different random streams. Each
distribution gives its support, its exact CDF and its raw moments, which is
what a statistical check needs, plus a ``sample`` used only by the
``reference`` adapter to stand in for a framework.

Pure NumPy and the standard library: the normal CDF uses ``math.erf``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def _std_normal_cdf(z):
    return 0.5 * (1.0 + np.asarray(_erf(np.asarray(z, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64))


def _std_normal_pdf(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _shifted_moment(k: int, loc: float, scale: float, standard_moment) -> float:
    """E[(loc + scale*Z)^k] from the raw moments of Z, by the binomial theorem."""
    return sum(math.comb(k, j) * loc ** (k - j) * scale**j * standard_moment(j) for j in range(k + 1))


@dataclass(frozen=True)
class Normal:
    """N(mean, stddev²). Support: the whole real line."""

    mean: float
    stddev: float

    @property
    def support(self):
        return (-math.inf, math.inf)

    def cdf(self, x):
        return _std_normal_cdf((np.asarray(x, np.float64) - self.mean) / self.stddev)

    def moment(self, k: int) -> float:
        """Raw moment E[X^k]."""

        def std(j):  # E[Z^j] = (j-1)!! for even j, 0 for odd j
            return 0.0 if j % 2 else float(np.prod(np.arange(j - 1, 0, -2))) if j else 1.0

        return _shifted_moment(k, self.mean, self.stddev, std)

    def sample(self, rng: np.random.Generator, shape):
        return rng.normal(self.mean, self.stddev, size=shape)


@dataclass(frozen=True)
class TruncatedNormal:
    """N(mean, stddev²) conditioned on mean - bound*stddev <= X <= mean + bound*stddev.

    Out-of-range draws are redrawn, not clipped: there is no mass at the bounds.
    Note that ``stddev`` is the standard deviation *before* truncation; the
    truncated variable's own standard deviation is smaller (0.87962566103423978
    times ``stddev`` for ``bound=2``).
    """

    mean: float
    stddev: float
    bound: float = 2.0

    @property
    def support(self):
        return (self.mean - self.bound * self.stddev, self.mean + self.bound * self.stddev)

    def cdf(self, x):
        z = np.clip((np.asarray(x, np.float64) - self.mean) / self.stddev, -self.bound, self.bound)
        lo = _std_normal_cdf(-self.bound)
        return (_std_normal_cdf(z) - lo) / (1.0 - 2.0 * lo)

    def _standard_moment(self, j: int) -> float:
        # Recurrence for Z ~ N(0,1) truncated to [-b, b]:
        # m_j = (j-1) m_{j-2} - [b^{j-1} φ(b) - (-b)^{j-1} φ(-b)] / P(|Z|<=b)
        b = self.bound
        mass = 1.0 - 2.0 * float(_std_normal_cdf(-b))
        m = [1.0, 0.0]
        for i in range(2, j + 1):
            m.append((i - 1) * m[i - 2] - (b ** (i - 1) - (-b) ** (i - 1)) * _std_normal_pdf(b) / mass)
        return m[j]

    def moment(self, k: int) -> float:
        return _shifted_moment(k, self.mean, self.stddev, self._standard_moment)

    def sample(self, rng: np.random.Generator, shape):
        out = rng.normal(size=shape)
        bad = np.abs(out) > self.bound
        while bad.any():
            out[bad] = rng.normal(size=int(bad.sum()))
            bad = np.abs(out) > self.bound
        return self.mean + self.stddev * out


@dataclass(frozen=True)
class Uniform:
    """U[low, high). With low > high the roles swap: Keras computes
    ``low + (high - low) * U[0, 1)``, so the support becomes (high, low]."""

    low: float
    high: float

    @property
    def support(self):
        return (min(self.low, self.high), max(self.low, self.high))

    def cdf(self, x):
        lo, hi = self.support
        if hi == lo:
            return (np.asarray(x, np.float64) >= lo).astype(np.float64)
        return np.clip((np.asarray(x, np.float64) - lo) / (hi - lo), 0.0, 1.0)

    def moment(self, k: int) -> float:
        lo, hi = self.support
        if hi == lo:
            return lo**k
        return (hi ** (k + 1) - lo ** (k + 1)) / ((k + 1) * (hi - lo))

    def sample(self, rng: np.random.Generator, shape):
        return self.low + (self.high - self.low) * rng.random(size=shape)


def variance(dist) -> float:
    return dist.moment(2) - dist.moment(1) ** 2


@dataclass(frozen=True)
class SphereCoordinate:
    """One coordinate of a point drawn uniformly from the sphere of ``radius`` in R^dim.

    This is the marginal of any single entry of a Haar-random matrix with
    orthonormal columns of length ``dim`` (scaled by ``radius``):
    (X/radius)² ~ Beta(1/2, (dim-1)/2), density ∝ (1 - t²)^((dim-3)/2) on [-1, 1].
    dim=2 is the arcsine law, dim=3 is uniform on [-radius, radius].
    """

    dim: int
    radius: float

    @property
    def support(self):
        return (-abs(self.radius), abs(self.radius))

    def cdf(self, x):
        r = abs(self.radius)
        t = np.clip(np.asarray(x, np.float64) / r, -1.0, 1.0)
        if self.dim == 1:
            return np.where(t >= 1.0, 1.0, np.where(t >= -1.0, 0.5, 0.0))
        if self.dim == 2:
            return 0.5 + np.arcsin(t) / math.pi
        grid = np.linspace(-1.0, 1.0, 200001)
        dens = (1.0 - grid**2) ** ((self.dim - 3) / 2.0)
        cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2.0 * np.diff(grid))])
        return np.interp(t, grid, cum / cum[-1])

    def moment(self, k: int) -> float:
        # E[t^2j] = (2j-1)!! / (dim (dim+2) ... (dim+2j-2)); odd moments vanish.
        if k % 2:
            return 0.0
        j = k // 2
        num = float(np.prod(np.arange(2 * j - 1, 0, -2))) if j else 1.0
        den = float(np.prod(self.dim + 2 * np.arange(j))) if j else 1.0
        return abs(self.radius) ** k * num / den
