"""A fitted model's private state, and how it travels in a pickle.

Everything a fit produces besides the public attributes lives in one
:class:`FittedModel`, so an estimator forgets a failed fit by dropping one object.
Pickles hold weights as numpy arrays plus the architecture as a plain dict: they do
not depend on the device, and ``skops.io`` loads them trusting only sklearn_ae's
classes. The pickled keys are the ones release 0.1.0 wrote, so its files still load.
"""

from __future__ import annotations

import copy
import inspect
import threading
from typing import NamedTuple

import numpy as np
import torch

from ._device import as_requested, available_or_cpu, renew_in_forked_children
from ._modules import build_autoencoder

#: Guards the building of a model's float64 copy (every model's: it takes milliseconds).
_INFERENCE_LOCK = threading.Lock()
renew_in_forked_children(globals(), "_INFERENCE_LOCK", threading.Lock)


def forget_fitted(estimator):
    """Drop every fitted attribute of ``estimator``, public and private (``_fitted``)."""
    fitted = [k for k in vars(estimator) if (k.endswith("_") and not k.startswith("__")) or k == "_fitted"]
    for name in fitted:
        delattr(estimator, name)


def default_new_parameters(estimator):
    """Give each parameter that an unpickled ``estimator`` lacks its default.

    A file saved before a parameter existed lacks it; its default keeps the model's
    behaviour (new parameters default to "off").
    """
    defaults = inspect.signature(type(estimator).__init__).parameters
    for name in estimator._get_param_names():
        if not hasattr(estimator, name):
            setattr(estimator, name, defaults[name].default)


class Architecture(NamedTuple):
    """What :func:`~sklearn_ae._modules.build_autoencoder` needs to rebuild the network."""

    n_features: int
    n_components: int
    hidden_layer_sizes: tuple
    activation: str
    dropout: float
    batch_norm: bool
    variational: bool
    custom: bool  # a user-supplied encoder or decoder: pickled as a torch object

    def build(self, encoder=None, decoder=None, generator=None):
        """A new autoencoder of this shape, initialised from ``generator``."""
        spec = self._asdict()
        del spec["custom"]
        return build_autoencoder(**spec, encoder=encoder, decoder=decoder, generator=generator)


class FittedModel:
    """The trained autoencoder and what continuing or serving it needs.

    Parameters
    ----------
    module : Autoencoder
        The trained network, on ``device``, in eval mode, without gradients.
    arch : Architecture
    device : torch.device
    noise_variance : float or None
        Probabilistic PCA's noise variance at the start (the VAE's KL weight).
    optimizer_state : dict
        ``{"optimizer": qualname, "state": optimizer moments}``, so that
        ``partial_fit`` continues with the same moments.
    """

    def __init__(self, module, arch, device, noise_variance, optimizer_state):
        module.zero_grad(set_to_none=True)  # the last step's gradients: as large as the weights
        self.module = module.eval()
        self.arch = arch
        self.device = device
        self.noise_variance = noise_variance
        self.optimizer_state = optimizer_state
        self._inference = {}

    def inference_module(self, dtype):
        """The network in eval mode, in ``dtype`` (a float64 copy is cached).

        Inference in the input's precision keeps results independent of how rows are
        batched up to float64's rounding, where float32 matrix products differ at
        float32's. On GPUs float64 runs at a small fraction of float32's speed, so
        there the network computes float64 input in float32 (the caller centres and
        scales in float64, and the result is still returned as float64). The float64
        copy is made again when the network's weights have changed since
        (``encoder_`` or ``decoder_`` fine-tuned by hand, say): a tensor replaced, or
        changed in place through autograd-aware operations, as torch's version counters
        show. Writes through ``.data``, which bypass those counters, are not seen. A
        custom module that does not compute in float64 is used in float32.

        A network put back in training mode since the fit (``ae.encoder_.train()`` to
        fine-tune it by hand) is used through an eval-mode copy: inference neither
        draws dropout masks nor uses or updates batch statistics.
        """
        if self.device.type != "cpu":
            dtype = np.float32
        key = np.dtype(dtype).name
        if key == "float32":
            return _in_eval_mode(self.module)
        versions = tuple(
            (id(tensor), tensor.data_ptr(), tensor._version)
            for tensor in self.module.state_dict(keep_vars=True).values()
        )
        with _INFERENCE_LOCK:
            cached = self._inference.get(key)
            if cached is None or cached[0] != versions:
                cached = (versions, self._float64_copy())
                self._inference[key] = cached
        # No float64 copy (a float32-only custom module): the network itself, whose
        # mode is looked at on every call, not when the cache was filled.
        return _in_eval_mode(self.module) if cached[1] is self.module else cached[1]

    def _float64_copy(self):
        """A float64 copy of the network, in eval mode; for a custom module, only one that
        computes in float64 (else the network itself).

        A user's module that casts to float32 inside (``x.float()``), fails on float64
        input, or cannot be copied (it holds a lock, say) is used in float32 instead, as
        on a GPU.
        """
        if not self.arch.custom:
            return copy.deepcopy(self.module).double().eval()
        rows = torch.zeros(2, self.arch.n_features, dtype=torch.float64, device=self.device)
        codes = torch.zeros(2, self.arch.n_components, dtype=torch.float64, device=self.device)
        try:
            double = copy.deepcopy(self.module).double().eval()
            with torch.inference_mode():
                dtypes = {double.encode(rows).dtype, double.decode(codes).dtype}
        except Exception:  # no copy, torch's dtype mismatch, or the module's own input check
            return self.module
        return double if dtypes == {torch.float64} else self.module

    # ------------------------------------------------------------------ pickling

    def pickle_state(self, requested_device):
        """Plain data for a pickle: numpy weights, the architecture as a dict, and the
        device as the ``device`` parameter (``requested_device``) asked for it
        (:func:`~sklearn_ae._device.as_requested`)."""
        state = {
            "_arch": self.arch._asdict(),
            "_device": as_requested(self.device, requested_device),
            "_noise_variance": self.noise_variance,
            "_optimizer_state": to_numpy_tree(self.optimizer_state),
        }
        if self.arch.custom:  # the user's classes must be importable on load
            state["_module_object"] = copy.deepcopy(self.module).cpu()
        else:  # weights only: device independent, no torch objects in the pickle
            state["_weights"] = to_numpy_tree(self.module.state_dict())
        return state

    @classmethod
    def from_pickle_state(cls, state):
        """Rebuild from :meth:`pickle_state`'s keys, removing them from ``state``.

        Tensors made inside ``torch.inference_mode()`` (a model loaded there) are
        inference tensors, which training and the float64 copy's version check refuse:
        the rebuilt network and optimizer state are made outside it, and a custom module
        unpickled there is copied outside it.
        """
        arch = state.pop("_arch")
        arch = Architecture(**{**arch, "hidden_layer_sizes": tuple(arch["hidden_layer_sizes"])})
        weights = state.pop("_weights", None)
        module = state.pop("_module_object", None)
        with torch.inference_mode(False):
            if weights is not None:
                module = arch.build()
                module.load_state_dict(to_tensor_tree(weights))
            elif any(tensor.is_inference() for tensor in module.state_dict().values()):
                module = copy.deepcopy(module)
            device = available_or_cpu(torch.device(state.pop("_device")))
            state.pop("_inference", None)  # 0.1.0's inference cache, if present
            return cls(
                module.to(device),
                arch,
                device,
                state.pop("_noise_variance", None),
                to_tensor_tree(state.pop("_optimizer_state", None)),
            )


def _in_eval_mode(module):
    """``module`` if it and its submodules are in eval mode, else an eval-mode copy of it.

    A copy, not ``module.eval()``: the user's module keeps the mode they set. A module
    that cannot be copied (it holds a lock, say) is used as it is.
    """
    if not any(sub.training for sub in module.modules()):
        return module
    try:
        return copy.deepcopy(module).eval()
    except Exception:  # not copyable: used as it is
        return module


#: The key of a tensor whose dtype numpy lacks, kept as its bytes (see :func:`to_numpy_tree`).
RAW_TENSOR = "__torch_dtype__"


def to_numpy_tree(obj):
    """Copy every tensor in a nested dict/list/tuple to a numpy array on the CPU.

    A tensor of a dtype numpy lacks (an optimizer that keeps its state in bfloat16 or
    float8) becomes ``{RAW_TENSOR: dtype name, "bytes": uint8 array, "shape": list}``,
    still plain data.
    """
    if isinstance(obj, torch.Tensor):
        tensor = obj.detach().cpu()
        try:
            return tensor.numpy().copy()
        except TypeError:  # "Got unsupported ScalarType BFloat16"
            if tensor.is_quantized:  # its bytes would lose the scale and zero point
                raise
            raw = tensor.contiguous().reshape(-1).view(torch.uint8)
            return {
                RAW_TENSOR: str(tensor.dtype).removeprefix("torch."),
                "bytes": raw.numpy().copy(),
                "shape": list(tensor.shape),
            }
    if isinstance(obj, dict):
        return {k: to_numpy_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_numpy_tree(v) for v in obj)
    return obj


def to_tensor_tree(obj):
    """Inverse of :func:`to_numpy_tree` (arrays become CPU tensors)."""
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, dict) and RAW_TENSOR in obj:
        dtype = getattr(torch, str(obj[RAW_TENSOR]), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"The file holds a tensor of unknown dtype {obj[RAW_TENSOR]!r}.")
        if not np.prod(obj["shape"]):  # no element: no bytes to view
            return torch.empty(obj["shape"], dtype=dtype)
        try:
            return torch.from_numpy(obj["bytes"].copy()).view(dtype).reshape(obj["shape"])
        except RuntimeError as exc:
            raise ValueError(f"The file holds a damaged {dtype} tensor: {exc}") from None
    if isinstance(obj, dict):
        return {k: to_tensor_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_tensor_tree(v) for v in obj)
    return obj
