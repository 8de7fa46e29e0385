"""Encoding of compact trajectories: quantised, shuffled, compressed, base64.

:func:`pack` byte-shuffles a numeric array, compresses it with zlib and
base64-encodes it, so a trajectory is plain JSON (jobflow-remote workers write
outputs to a JSON store first; raw ``bytes`` fail there); :func:`unpack`
reverses it exactly. :func:`check_coordinates` and :func:`check_cells` refuse
input past ``MAX_COORD_A`` with one line before anything is written: past
these bounds the integer position grid would overflow silently.
"""

from __future__ import annotations

import base64
import zlib

import numpy as np

from hcflow.errors import HcflowError

#: Largest |coordinate| (and cell vector length) accepted, A. An unwrapped Na
#: path of a microsecond run stays below 1e4 A; 1e6 A keeps the integer grid
#: (and the int32 frame-to-frame differences) far from overflow.
MAX_COORD_A = 1.0e6


def pack(arr: np.ndarray) -> dict:
    """Byte-shuffle, zlib-compress and base64-encode a numeric array."""
    arr = np.ascontiguousarray(arr)
    shuffled = arr.view(np.uint8).reshape(-1, arr.dtype.itemsize).T.copy()
    payload = zlib.compress(shuffled.tobytes(), 6)
    return {
        "dtype": arr.dtype.str,
        "shape": list(arr.shape),
        "b64": base64.b64encode(payload).decode("ascii"),
    }


def unpack(packed: dict) -> np.ndarray:
    dtype = np.dtype(packed["dtype"])
    shape = tuple(packed["shape"])
    raw = zlib.decompress(base64.b64decode(packed["b64"]))
    flat = np.frombuffer(raw, dtype=np.uint8).reshape(dtype.itemsize, -1).T
    return np.ascontiguousarray(flat).view(dtype).reshape(shape)


def check_coordinates(positions: np.ndarray) -> None:
    """Refuse non-finite coordinates and any beyond ``MAX_COORD_A`` (one line).

    Parameters
    ----------
    positions
        (n_frames, n_atoms, 3) Cartesian coordinates, A.
    """
    finite = np.isfinite(positions)
    if not np.all(finite):
        bad = int(np.argwhere(~finite)[0][0])
        raise HcflowError(f"NaN or infinite coordinates in frame {bad}")
    too_far = np.abs(positions) > MAX_COORD_A
    if np.any(too_far):
        frame, atom, _ = (int(i) for i in np.argwhere(too_far)[0])
        value = float(positions[frame, atom][np.abs(positions[frame, atom]).argmax()])
        raise HcflowError(
            f"coordinate {value:.3g} A of atom {atom} in frame {frame} is beyond "
            f"the {MAX_COORD_A:g} A limit"
        )


def check_cells(cells: np.ndarray, periodic: bool) -> None:
    """Refuse non-finite or huge cell vectors and, if periodic, a flat cell.

    Parameters
    ----------
    cells
        (n_frames, 3, 3) cell vectors (rows), A.
    periodic
        Whether any direction is periodic (then the volume must be non-zero).
    """
    if not np.all(np.isfinite(cells)):
        raise HcflowError("NaN or infinite cell vectors")
    if np.any(np.linalg.norm(cells, axis=-1) > MAX_COORD_A):
        raise HcflowError(f"a cell vector is longer than the {MAX_COORD_A:g} A limit")
    if periodic:
        volume = np.abs(np.linalg.det(cells))
        if np.any(volume < 1e-6):
            frame = int(np.flatnonzero(volume < 1e-6)[0])
            raise HcflowError(
                f"periodic frames need a cell with non-zero volume (frame {frame})"
            )
