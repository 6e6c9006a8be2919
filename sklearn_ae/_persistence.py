"""Device-independent pickling: tensors travel as numpy arrays."""

from __future__ import annotations

import numpy as np
import torch


def to_numpy_tree(obj):
    """Copy every tensor in a nested dict/list/tuple to a numpy array on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy().copy()
    if isinstance(obj, dict):
        return {k: to_numpy_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_numpy_tree(v) for v in obj)
    return obj


def to_tensor_tree(obj):
    """Inverse of :func:`to_numpy_tree` (arrays become CPU tensors)."""
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, dict):
        return {k: to_tensor_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_tensor_tree(v) for v in obj)
    return obj
