"""Random draws the world builders share."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng: random.Random, options: dict[str, float]) -> str:
    """One key of `options`, drawn with the values as weights."""
    return rng.choices(list(options), weights=list(options.values()))[0]
