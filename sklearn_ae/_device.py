"""Device resolution, and the random generators a fit owns."""

from __future__ import annotations

import contextlib
import os
import shlex
import threading

import torch


def resolve_device(device: str, option: str | None = None) -> torch.device:
    """Turn the ``device`` parameter into an available ``torch.device``.

    ``"auto"`` picks CUDA, then MPS, then the CPU. An explicit device that this
    machine lacks raises ``ValueError`` rather than failing later inside torch. CUDA
    without a number is the current GPU, numbered (:func:`numbered`). The messages
    name the Python parameter (``device='cuda'``), or with ``option`` (the command
    line's ``"--device"``) the option and its values as typed there (quoted as a shell
    would need them: ``--device ''``).
    """
    if device == "auto":
        if torch.cuda.is_available():
            return numbered(torch.device("cuda"))
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    said = f"device={device!r}" if option is None else f"{option} {shlex.quote(device)}"  # as typed

    def use(*values):
        shown = (
            [f"device={values[0]!r}", *map(repr, values[1:])]
            if option is None
            else [f"{option} {value}" for value in values]
        )
        return "use " + (shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1])

    names = ("cpu", "cuda", "cuda:N", "mps", "auto")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{said} is not a device name; {use(*names)}.") from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{said} was requested but CUDA is not available here; {use('cpu', 'auto')}.")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"{said}: this machine has {torch.cuda.device_count()} CUDA device(s), "
                f"numbered from 0; {use('cuda')} for the current one."
            )
    elif resolved.type == "mps" and not _mps_available():
        raise ValueError(f"{said} was requested but MPS is not available here; {use('cpu', 'auto')}.")
    elif resolved.type == "mps" and resolved.index not in (None, 0):
        raise ValueError(f"{said}: there is one MPS device; {use('mps')}.")
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{said} is not supported; {use(*names)}.")
    return numbered(resolved)


def numbered(device: torch.device) -> torch.device:
    """A CUDA device with its number: the current GPU's when ``device`` has none.

    torch places an unnumbered ``cuda`` tensor on the GPU current in the calling
    thread (``torch.cuda.set_device``), so a model fitted in one thread and used in
    another, or loaded after ``set_device``, would mix GPUs; a fitted model keeps
    the GPU it was given.
    """
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


def as_requested(device: torch.device, requested) -> str:
    """``device`` as a saved model records it: without the GPU number :func:`numbered`
    added where the ``device`` parameter (``requested``) named none.

    Loaded where that GPU number does not exist, such a model goes to the loading
    machine's current GPU, as ``device="cuda"`` asks, not to the CPU.
    """
    try:
        named = requested != "auto" and torch.device(requested).index is not None
    except (RuntimeError, TypeError):  # a parameter set to something unusable since the fit
        named = True
    return "cuda" if device.type == "cuda" and not named else str(device)


def available_or_cpu(device: torch.device) -> torch.device:
    """``device`` if this machine has it, else the CPU (used when unpickling).

    A numbered GPU this machine lacks (``cuda:1`` on a one-GPU machine) also means
    the CPU: the model never lands on a GPU the user did not name.
    """
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        return torch.device("cpu")
    if device.type == "mps" and not _mps_available():
        return torch.device("cpu")
    return numbered(device)


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def fit_generators(seed: int, device: torch.device) -> tuple[torch.Generator, torch.Generator]:
    """The fit's own random generators, ``(cpu, device)``, both seeded from ``seed``.

    The CPU generator draws the initialisation, the validation split and the shuffling;
    the device generator draws what a training step needs on the device (corruption
    noise, dropout masks, the VAE's sampling). They belong to one fit, so fits in
    threads never share a stream, and torch's global generators are never touched.
    """
    cpu = torch.Generator().manual_seed(seed)
    if device.type == "cpu":
        return cpu, cpu
    on_device = torch.Generator(device=device).manual_seed(seed + 1)
    return cpu, on_device


def renew_in_forked_children(namespace, name, make):
    """Set ``namespace[name]`` to a fresh ``make()`` in every forked child.

    For module-level locks: one held by another of the parent's threads at the fork
    (a fit with a custom module, say) would stay held in the child for ever. Code
    that takes the lock looks the global up at call time.
    """
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: namespace.__setitem__(name, make()))


_GLOBAL_RNG_LOCK = threading.RLock()
renew_in_forked_children(globals(), "_GLOBAL_RNG_LOCK", threading.RLock)


@contextlib.contextmanager
def global_rng_scope(seed: int, device: torch.device):
    """Run the body with torch's global generators seeded, then restored, under a lock.

    Only for user-supplied modules, whose constructors and layers (``nn.Linear``'s
    initialisation, ``nn.Dropout``) draw from the global generators. The lock makes
    concurrent fits with such modules take turns, so each sees only its own seed;
    only the CPU generator and the training device's (CUDA or MPS) are saved and
    seeded (never every CUDA device's), and both are restored afterwards.
    """
    # Saved and restored here rather than by torch.random.fork_rng, whose device_type
    # argument differs across the torch versions we support (None fails before 2.9).
    cuda, mps = device.type == "cuda", device.type == "mps"
    index = (device.index if device.index is not None else torch.cuda.current_device()) if cuda else None
    with _GLOBAL_RNG_LOCK:
        cpu_state = torch.get_rng_state()
        if cuda:
            device_state = torch.cuda.get_rng_state(index)
        elif mps:
            device_state = torch.mps.get_rng_state()
        try:
            torch.default_generator.manual_seed(seed)
            if cuda:
                with torch.cuda.device(index):
                    torch.cuda.manual_seed(seed)
            elif mps:
                torch.mps.manual_seed(seed)
            yield
        finally:
            torch.set_rng_state(cpu_state)
            if cuda:
                torch.cuda.set_rng_state(device_state, index)
            elif mps:
                torch.mps.set_rng_state(device_state)
