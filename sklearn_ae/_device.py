"""Device resolution and seeded random scopes."""

from __future__ import annotations

import contextlib

import torch


def resolve_device(device: str) -> torch.device:
    """Turn the ``device`` parameter into an available ``torch.device``.

    ``"auto"`` picks CUDA, then MPS, then the CPU. An explicit device that this
    machine lacks raises ``ValueError`` rather than failing later inside torch.
    """
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device name; use 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto'."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available here; use device='cpu' or 'auto'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)."
            )
    elif resolved.type == "mps" and not _mps_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available here; use device='cpu' or 'auto'."
        )
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r} is not supported; use 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto'.")
    return resolved


def available_or_cpu(device: torch.device) -> torch.device:
    """``device`` if this machine has it, else the CPU (used when unpickling)."""
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    if device.type == "mps" and not _mps_available():
        return torch.device("cpu")
    return device


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


@contextlib.contextmanager
def seeded_scope(seed: int, device: torch.device):
    """Run the body with torch's global RNG seeded by ``seed``, restored afterwards.

    Module initialisation and dropout of user-supplied modules draw from the global
    generator; forking it makes them deterministic per ``random_state`` without
    changing the caller's random state.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
