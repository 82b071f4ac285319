"""``no_grad``, ``enable_grad``, ``set_grad_enabled``: context managers and decorators,
thread-local as in PyTorch (the app's worker thread has its own mode)."""
from __future__ import annotations

import functools
import threading

class _State(threading.local):
    """Per-thread grad mode; ``state.enabled`` is read directly on the hot path."""

    enabled = True


state = _State()


def is_grad_enabled() -> bool:
    return state.enabled


def _set(mode: bool) -> None:
    state.enabled = bool(mode)


class _GradModeContext:
    _mode: bool

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self._mode)
        return None

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__.__new__(self.__class__)._init_like(self):
                return fn(*args, **kwargs)
        return wrapper

    def _init_like(self, other):
        self._mode = other._mode
        return self

    def clone(self):
        return self.__class__.__new__(self.__class__)._init_like(self)


class _NoParamContext(_GradModeContext):
    """Also usable as a bare decorator (``@no_grad``), as in PyTorch."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):
    """Disable gradient recording inside a ``with`` block or a decorated function."""

    def __init__(self):
        self._mode = False


class enable_grad(_NoParamContext):
    """Enable gradient recording inside a ``with`` block or a decorated function."""

    def __init__(self):
        self._mode = True


class set_grad_enabled(_GradModeContext):
    """Set gradient recording on or off; takes effect at once, and restores on exit."""

    def __init__(self, mode: bool):
        self._prev = is_grad_enabled()
        self._mode = bool(mode)
        _set(self._mode)

    def __call__(self, fn):
        _set(self._prev)  # used as a decorator: no effect until the function runs
        return super().__call__(fn)

    def _init_like(self, other):
        self.__init__(other._mode)
        return self

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _set(self._prev)
        return False
