"""Where MD runs: device and dtype names, checked before any job starts.

``resolve_device`` turns a user's ``cpu | cuda | cuda:N | auto`` into the
device torch will use, or a one-line ``HcflowError`` naming the problem
(``cuda`` on a machine whose torch sees no GPU). Every entry point that runs
MD on this machine (study file, Maker, CLI) calls it first, so a bad choice
fails before any job starts; a study sent to other machines checks the
spelling here (``check_device_name``) and resolves on the worker. The
calculators resolve again and report the device they used
(``FastMACECalculator.device``; ``device_record`` for md_tasks).

``tune_cpu_allocator`` stops glibc from handing large freed blocks back to the
kernel between force calls (see its docstring): MACE's per-edge tensors for a
few hundred atoms are megabytes, and re-faulting them every call costs up to a
third of a CPU force call.
"""

from __future__ import annotations

import re

from hcflow.errors import HcflowError

DEVICES = ("cpu", "cuda", "auto")
DTYPES = ("float32", "float64")


def cuda_available() -> bool:
    """Whether torch sees a usable CUDA GPU."""
    import torch

    return bool(torch.cuda.is_available())


def check_device_name(name: str | None = "cpu") -> str:
    """A device name, normalised and checked for spelling only (torch untouched).

    For a study submitted from one machine to run on others (jobflow-remote):
    the submitting host may have no GPU, so only the name is checked there and
    :func:`resolve_device` runs on the worker.
    """
    text = "cpu" if name is None else str(name).strip().lower()
    if text in ("cpu", "auto") or re.fullmatch(r"cuda(:\d+)?", text):
        return text
    raise HcflowError(f"unknown device {name!r}: use cpu, cuda, cuda:N or auto")


def resolve_device(name: str | None = "cpu") -> str:
    """The torch device for a user's device name, on this machine.

    Parameters
    ----------
    name
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (the GPU when torch
        sees one, else the CPU); None means ``"cpu"``.

    Returns
    -------
    str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises
    ------
    HcflowError
        Unknown name, or a CUDA device that this machine's torch cannot use.
    """
    text = check_device_name(name)
    if text == "cpu":
        return "cpu"
    if text == "auto":
        return "cuda" if cuda_available() else "cpu"
    import torch

    if not torch.cuda.is_available():
        built = (
            f"built with CUDA {torch.version.cuda}"
            if torch.version.cuda
            else "a CPU-only build"
        )
        raise HcflowError(
            f"device {text!r} requested but torch {torch.__version__} ({built}) "
            "sees no GPU on this machine: use device cpu or auto"
        )
    if ":" in text:
        index, count = int(text.split(":")[1]), torch.cuda.device_count()
        if index >= count:
            raise HcflowError(
                f"device {text!r} requested but this machine has {count} GPU(s)"
            )
    return text


def resolve_dtype(name: str | None = "float32") -> str:
    """``"float32"`` or ``"float64"`` (None means float32); else a one-line error."""
    text = "float32" if name is None else str(name).strip().lower()
    if text not in DTYPES:
        raise HcflowError(f"unknown dtype {name!r}: use float32 or float64")
    return text


def device_record(device: str) -> dict:
    """What md_tasks records about where a run went: device, its name, torch."""
    import torch

    record = {"device": device, "torch": torch.__version__}
    if device.startswith("cuda"):
        record["name"] = torch.cuda.get_device_name(torch.device(device))
    else:
        record["name"] = "cpu"
        record["threads"] = torch.get_num_threads()
    return record


_TUNED = False


def tune_cpu_allocator() -> bool:
    """Keep freed heap memory in the process between force calls (glibc only).

    glibc serves blocks above its mmap threshold with fresh ``mmap`` pages and
    hands freed memory above its trim threshold back to the kernel, so every
    MACE force call page-faults its multi-MB per-edge tensors again. Measured
    in steady state (shipped model, one thread): 2,900 faults per call at 130
    atoms, 73,000 at 1,000 atoms (a third of the call's CPU time in the
    kernel). With ``mmap`` off (``M_MMAP_MAX=0``) and the trim threshold at
    1 GB the heap keeps its pages: no faults after the first few calls. It
    changes this process's allocator only, once; other platforms are left
    alone. Returns whether it was applied.
    """
    global _TUNED
    if _TUNED:
        return True
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold, m_mmap_max = -1, -2, -3, -4
    ok = mallopt(m_mmap_threshold, 32 * 1024 * 1024) == 1
    ok &= mallopt(m_mmap_max, 0) == 1
    ok &= mallopt(m_trim_threshold, 1024 * 1024 * 1024) == 1
    ok &= mallopt(m_top_pad, 64 * 1024 * 1024) == 1
    _TUNED = bool(ok)
    return _TUNED
