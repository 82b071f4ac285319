"""Random numbers: one seeded generator, repeatable with ``manual_seed`` (values need not
equal PyTorch's)."""
from __future__ import annotations

import numpy as np

DEFAULT_SEED = 67280421310721  # PyTorch's default initial seed
_seed = DEFAULT_SEED
_gen = np.random.default_rng(_seed)


def manual_seed(seed: int):
    global _seed, _gen
    _seed = int(seed)
    _gen = np.random.default_rng(_seed)
    return _gen


def seed() -> int:
    global _seed, _gen
    _seed = int(np.random.SeedSequence().entropy % (2**63))
    _gen = np.random.default_rng(_seed)
    return _seed


def initial_seed() -> int:
    return _seed


def generator() -> np.random.Generator:
    return _gen


def get_rng_state():
    return _gen.bit_generator.state


def set_rng_state(state) -> None:
    _gen.bit_generator.state = state
