"""A lean MACE calculator for MD: Verlet neighbour lists, no per-step graph tooling.

mace's stock ``MACECalculator`` rebuilds the whole graph every call.
``FastMACECalculator`` keeps the torch module and its inputs on the chosen
device (:mod:`hcflow.potentials.device`), keeps a Verlet candidate list
(:class:`VerletList`, rebuilt when an atom moved more than ``skin / 2``),
calls the model's ``forward`` directly with edges laid out as pairs then the
same pairs reversed, and installs exact fused kernels
(:mod:`hcflow.potentials.mace_fused`). The edges are exactly those within
``r_max``, so energies and forces agree with mace's calculator to float32
round-off. :func:`model_inputs` lays out one graph for several cells, so
:class:`BatchedMACECalculator` (:mod:`hcflow.md.batched`) runs the same code.
Design notes: docs/fast-mace.md.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Hashable, Sequence

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from hcflow.errors import HcflowError
from hcflow.potentials.device import resolve_device, resolve_dtype, tune_cpu_allocator
from hcflow.potentials.mace_fused import fuse


def load_model(model_path: str, fused: bool, device: str, dtype: str):
    """(MACE module ready for MD, fused-rewrite counts) on ``device`` in ``dtype``.

    The rewrites are probed on the CPU, then the module is moved.
    """
    import torch

    from hcflow.potentials.mace_files import load_mace_module

    module = load_mace_module(model_path)
    model = copy.deepcopy(module).to(getattr(torch, dtype)).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    done = fuse(model, paired_edges=True) if fused else {}
    return model.to(device), done


def one_hot(numbers: np.ndarray, z_table: list[int]) -> np.ndarray:
    """Node attributes of ``numbers`` (one-hot over the model's elements)."""
    index = {z: i for i, z in enumerate(z_table)}
    unknown = sorted(set(np.asarray(numbers).tolist()) - set(index))
    if unknown:
        from ase.data import chemical_symbols

        names = ", ".join(chemical_symbols[z] for z in unknown)
        raise HcflowError(f"the MACE model does not know element(s) {names}")
    out = np.zeros((len(numbers), len(z_table)), dtype=np.float32)
    out[np.arange(len(numbers)), [index[int(z)] for z in numbers]] = 1.0
    return out


class _MACEModel:
    """What both calculators hold: device, dtype, threads, the model, r_max,
    the element table and the skin; ``_reset`` sets up the pair-list state."""

    def __init__(
        self,
        model_path: str,
        skin: float = 1.0,
        threads: int | None = None,
        fused: bool = True,
        device: str = "cpu",
        dtype: str = "float32",
    ):
        import torch

        super().__init__()
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype)
        if self.device == "cpu":
            tune_cpu_allocator()
        if threads:
            torch.set_num_threads(threads)
        self.model, self.fused = load_model(model_path, fused, self.device, self.dtype)
        self.r_max = float(self.model.r_max)
        self.z_table = [int(z) for z in self.model.atomic_numbers]
        self.skin = float(skin)
        self._reset()

    def _reset(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class VerletList:
    """Candidate pairs of one periodic cell within ``r_max + skin``, reused.

    ``pairs(atoms)`` returns the pairs within ``r_max`` (one direction each):
    ``(i, j, shift, unit_shift)`` with ``r_j + shift - r_i`` the pair vector.
    The candidates are rebuilt when an atom moved more than ``skin / 2`` since
    the last build, the cell changed or the atom count changed.
    """

    def __init__(self, r_max: float, skin: float):
        self.r_max, self.skin = float(r_max), float(skin)
        self.n_builds = 0
        self._ref_positions = None
        self._ref_cell = None

    def reset(self) -> None:
        self._ref_positions = None

    def _build(self, atoms) -> None:
        from matscipy.neighbours import neighbour_list

        i, j, shifts = neighbour_list("ijS", atoms, self.r_max + self.skin)
        # keep one direction of every pair; model_inputs adds the reverse edges
        sx, sy, sz = shifts.T
        positive = (sx > 0) | ((sx == 0) & ((sy > 0) | ((sy == 0) & (sz > 0))))
        half = (i < j) | ((i == j) & positive)
        i, j, shifts = i[half], j[half], shifts[half]
        self._ci, self._cj = i, j
        self._cshift = shifts.astype(np.float64) @ atoms.cell[:]
        self._cunit = shifts.astype(np.float64)
        self._ref_positions = atoms.positions.copy()
        self._ref_cell = atoms.cell[:].copy()
        self.n_builds += 1

    def _needs_rebuild(self, atoms) -> bool:
        if self._ref_positions is None or len(atoms) != len(self._ref_positions):
            return True
        if not np.allclose(atoms.cell[:], self._ref_cell):
            return True
        moved = np.einsum("ij,ij->i", *(2 * [atoms.positions - self._ref_positions]))
        return bool(moved.max() > (0.5 * self.skin) ** 2)

    def pairs(self, atoms) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self._needs_rebuild(atoms):
            self._build(atoms)
        pos = atoms.positions
        vec = pos[self._cj] - pos[self._ci] + self._cshift
        keep = np.einsum("ij,ij->i", vec, vec) < self.r_max**2
        return self._ci[keep], self._cj[keep], self._cshift[keep], self._cunit[keep]


def model_inputs(
    cells: list, pairs: list, static: dict, device: str, dtype: str
) -> dict:
    """The MACE input dict of one graph holding every cell in ``cells``.

    Nodes are concatenated in order; the edges are ``[every cell's pairs;
    every cell's pairs reversed]`` (sender, receiver), node indices offset per
    cell, so the fused radial MLP still sees two equal halves. ``static`` holds
    the tensors that do not change between steps (see :func:`static_inputs`).
    """
    import torch

    tdtype = getattr(torch, dtype)
    send, recv, shift, unit, pos = [], [], [], [], []
    offset = 0
    for atoms, (ci, cj, sh, un) in zip(cells, pairs, strict=True):
        send.append(cj + offset)
        recv.append(ci + offset)
        shift.append(sh)
        unit.append(un)
        pos.append(atoms.positions)
        offset += len(atoms)
    send, recv = np.concatenate(send), np.concatenate(recv)
    shift, unit = np.concatenate(shift), np.concatenate(unit)
    edge_index = np.stack([np.concatenate([send, recv]), np.concatenate([recv, send])])
    data = dict(static)
    data["positions"] = torch.tensor(np.concatenate(pos), dtype=tdtype, device=device)
    data["edge_index"] = torch.from_numpy(edge_index.astype(np.int64)).to(device)
    data["shifts"] = torch.tensor(
        np.concatenate([-shift, shift]), dtype=tdtype, device=device
    )
    data["unit_shifts"] = torch.tensor(
        np.concatenate([-unit, unit]), dtype=tdtype, device=device
    )
    data["cell"] = torch.tensor(
        np.concatenate([np.asarray(a.cell[:]) for a in cells]),
        dtype=tdtype,
        device=device,
    )
    return data


def static_inputs(
    numbers: list[np.ndarray], z_table: list[int], device: str, dtype: str
) -> dict:
    """Node attributes, ``batch``, ``ptr`` and ``head`` for cells of ``numbers``."""
    import torch

    counts = [len(n) for n in numbers]
    attrs = np.concatenate([one_hot(n, z_table) for n in numbers])
    return {
        "node_attrs": torch.from_numpy(attrs).to(device, getattr(torch, dtype)),
        "batch": torch.repeat_interleave(
            torch.arange(len(counts)), torch.tensor(counts)
        ).to(device),
        "ptr": torch.tensor(np.concatenate([[0], np.cumsum(counts)])).to(device),
        "head": torch.zeros(len(counts), dtype=torch.long, device=device),
    }


class FastMACECalculator(_MACEModel, Calculator):
    """ASE calculator running a MACE model file with a reused neighbour list.

    Parameters
    ----------
    model_path
        MACE model file.
    skin
        Verlet skin, A: candidates within ``r_max + skin`` are kept until an
        atom moved more than ``skin / 2``.
    threads
        torch intra-op threads (default: torch's default, all cores).
    fused
        Install the fused convolution / radial MLP (``hcflow.potentials.mace_fused``);
        ``False`` runs mace's own modules (for comparison).
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (GPU when present);
        the device used is in ``self.device``.
    dtype
        ``"float32"`` (default) or ``"float64"``.
    """

    implemented_properties = ["energy", "free_energy", "forces"]

    def _reset(self) -> None:
        self._verlet = VerletList(self.r_max, self.skin)
        self._numbers = None

    @property
    def n_builds(self) -> int:
        """How many times the candidate pair list was built."""
        return self._verlet.n_builds

    def graph(self, atoms) -> dict:
        """The model input dict for ``atoms`` (edges within r_max exactly)."""
        if self._numbers is None or not np.array_equal(self._numbers, atoms.numbers):
            self._static = static_inputs(
                [atoms.numbers], self.z_table, self.device, self.dtype
            )
            self._numbers = atoms.numbers.copy()
            self._verlet.reset()
        pairs = self._verlet.pairs(atoms)
        return model_inputs([atoms], [pairs], self._static, self.device, self.dtype)

    # ------------------------------------------------------------ ASE API
    def calculate(self, atoms=None, properties=None, system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        data = self.graph(self.atoms)
        out = self.model(data, training=False, compute_force=True)
        energy = float(out["energy"].detach()[0])
        forces = out["forces"].detach().cpu().numpy().astype(np.float64)
        self.results = {"energy": energy, "free_energy": energy, "forces": forces}


class BatchedMACECalculator(_MACEModel):
    """A MACE model file evaluated on many periodic cells in one call.

    Parameters
    ----------
    model_path
        MACE model file.
    skin
        Verlet skin, A (per cell, as in FastMACECalculator).
    threads
        torch intra-op threads (default: torch's default).
    fused
        Install hcflow's fused convolution / radial MLP.
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``; used: ``self.device``.
    dtype
        ``"float32"`` or ``"float64"``.

    Attributes
    ----------
    seconds
        Wall time spent building pair lists and inputs (``"pairs"``) and in
        the model (``"model"``), summed over calls.
    n_calls
        Model calls so far.
    """

    def _reset(self) -> None:
        self._lists: dict[Hashable, VerletList] = {}
        self._numbers: dict[Hashable, np.ndarray] = {}
        self._static: dict[tuple, dict] = {}
        self.seconds = {"pairs": 0.0, "model": 0.0}
        self.n_calls = 0

    def _verlet(self, key: Hashable, atoms) -> VerletList:
        known = self._numbers.get(key)
        if known is None or not np.array_equal(known, atoms.numbers):
            self._numbers[key] = atoms.numbers.copy()
            self._lists[key] = VerletList(self.r_max, self.skin)
            self._static = {k: v for k, v in self._static.items() if key not in k}
        return self._lists[key]

    def n_builds(self, key: Hashable) -> int:
        """How many times the pair list of cell ``key`` was built."""
        return self._lists[key].n_builds

    def compute(
        self, cells: Sequence, keys: Sequence[Hashable] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Energies (eV, one per cell) and forces (eV/A, one array per cell).

        Parameters
        ----------
        cells
            ASE Atoms (periodic); only positions, cell and numbers are read.
        keys
            One hashable id per cell under which its Verlet list is kept
            between calls (default: the position in ``cells``).
        """
        if not len(cells):
            return np.zeros(0), []
        keys = list(range(len(cells))) if keys is None else list(keys)
        if len(keys) != len(cells) or len(set(keys)) != len(keys):
            raise HcflowError("compute() needs one distinct key per cell")
        t0 = time.perf_counter()
        pairs = [self._verlet(k, a).pairs(a) for k, a in zip(keys, cells, strict=True)]
        static = self._static.get(tuple(keys))
        if static is None:
            numbers = [self._numbers[k] for k in keys]
            static = static_inputs(numbers, self.z_table, self.device, self.dtype)
            self._static[tuple(keys)] = static
        data = model_inputs(list(cells), pairs, static, self.device, self.dtype)
        t1 = time.perf_counter()
        out = self.model(data, training=False, compute_force=True)
        energies = out["energy"].detach().cpu().numpy().astype(np.float64)
        forces = out["forces"].detach().cpu().numpy().astype(np.float64)
        self.seconds["pairs"] += t1 - t0
        self.seconds["model"] += time.perf_counter() - t1
        self.n_calls += 1
        bounds = np.cumsum([len(a) for a in cells])[:-1]
        return energies, np.split(forces, bounds)
