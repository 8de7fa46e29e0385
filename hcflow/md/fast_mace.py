"""A lean MACE calculator for CPU MD: Verlet neighbour lists, no per-step graph tooling.

mace's stock ``MACECalculator`` rebuilds the whole graph every call
(``AtomicData.from_config`` + a torch_geometric ``DataLoader`` + a fresh
neighbour search). For MD on a few hundred atoms on a CPU that overhead is a
large share of the step. ``FastMACECalculator`` instead:

- keeps the torch module in memory in float32 (``torch.set_num_threads``);
- keeps a candidate pair list within ``r_max + skin`` (matscipy
  ``neighbour_list``) and rebuilds it only when an atom moved more than
  ``skin / 2`` since the last build or the cell changed;
- every step filters the candidates to ``< r_max`` with numpy and calls the
  model's ``forward`` directly with a prebuilt input dict (one-hot node
  attributes, ``ptr``/``batch`` are built once); the edges are laid out as
  ``[pairs; the same pairs reversed]``, so the fused radial MLP sees two equal
  halves and evaluates one;
- replaces the per-edge convolution and the radial MLP of each interaction
  block by exact fused equivalents (``hcflow.md.mace_fused``): no per-edge
  ``channels x (l_max+1)^2`` tensors, no normalisation passes; each rewrite is
  checked against the module it replaces when the model is loaded.
- does not compute the stress (MD at constant volume does not need it).

The edges passed are exactly those within ``r_max`` (the same graph as the
stock calculator), so energies and forces agree to float32 round-off.
"""

from __future__ import annotations

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

import hcflow  # noqa: F401 - sets TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD before mace
from hcflow.errors import HcflowError
from hcflow.md.mace_fused import fuse


class FastMACECalculator(Calculator):
    """ASE calculator running a MACE model file with a reused neighbour list.

    Parameters
    ----------
    model_path
        MACE model file.
    skin
        Verlet skin, A: candidates within ``r_max + skin`` are kept until an
        atom moved more than ``skin / 2``.
    threads
        torch intra-op threads (default: all cores).
    fused
        Install the fused convolution / radial MLP (``hcflow.md.mace_fused``);
        ``False`` runs mace's own modules (for comparison).
    """

    implemented_properties = ["energy", "free_energy", "forces"]

    def __init__(
        self,
        model_path: str,
        skin: float = 1.0,
        threads: int | None = None,
        fused: bool = True,
    ):
        super().__init__()
        import torch

        from hcflow.potentials.mace_files import load_mace_module

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        module = load_mace_module(model_path)
        import copy

        self.model = copy.deepcopy(module).float().eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.fused = fuse(self.model, paired_edges=True) if fused else {}
        self.r_max = float(self.model.r_max)
        self.z_table = [int(z) for z in self.model.atomic_numbers]
        self.skin = float(skin)
        self.n_builds = 0
        self._ref_positions = None
        self._ref_cell = None
        self._numbers = None

    # -------------------------------------------------------------- graph
    def _setup_nodes(self, atoms) -> None:
        torch = self.torch
        numbers = atoms.numbers
        index = {z: i for i, z in enumerate(self.z_table)}
        unknown = sorted(set(numbers.tolist()) - set(index))
        if unknown:
            from ase.data import chemical_symbols

            names = ", ".join(chemical_symbols[z] for z in unknown)
            raise HcflowError(f"the MACE model does not know element(s) {names}")
        one_hot = np.zeros((len(numbers), len(self.z_table)), dtype=np.float32)
        one_hot[np.arange(len(numbers)), [index[z] for z in numbers]] = 1.0
        n = len(numbers)
        self._static = {
            "node_attrs": torch.from_numpy(one_hot),
            "batch": torch.zeros(n, dtype=torch.long),
            "ptr": torch.tensor([0, n], dtype=torch.long),
            "head": torch.zeros(1, dtype=torch.long),
        }
        self._numbers = numbers.copy()

    def _build_candidates(self, atoms) -> None:
        from matscipy.neighbours import neighbour_list

        i, j, shifts = neighbour_list("ijS", atoms, self.r_max + self.skin)
        # keep one direction of every pair; graph() appends the reverse edges
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

    def graph(self, atoms) -> dict:
        """The model input dict for ``atoms`` (edges within r_max exactly)."""
        torch = self.torch
        if self._numbers is None or not np.array_equal(self._numbers, atoms.numbers):
            self._setup_nodes(atoms)
            self._ref_positions = None
        if self._needs_rebuild(atoms):
            self._build_candidates(atoms)
        pos = atoms.positions
        vec = pos[self._cj] - pos[self._ci] + self._cshift
        keep = np.einsum("ij,ij->i", vec, vec) < self.r_max**2
        ci, cj = self._ci[keep], self._cj[keep]
        # edges [pairs; the same pairs reversed]: sender, receiver
        edge_index = np.stack([np.concatenate([cj, ci]), np.concatenate([ci, cj])])
        shift, unit = self._cshift[keep], self._cunit[keep]
        data = dict(self._static)
        data["positions"] = torch.tensor(pos, dtype=torch.float32)
        data["edge_index"] = torch.from_numpy(edge_index.astype(np.int64))
        data["shifts"] = torch.tensor(
            np.concatenate([-shift, shift]), dtype=torch.float32
        )
        data["unit_shifts"] = torch.tensor(
            np.concatenate([-unit, unit]), dtype=torch.float32
        )
        data["cell"] = torch.tensor(np.asarray(atoms.cell[:]), dtype=torch.float32)
        return data

    # ------------------------------------------------------------ ASE API
    def calculate(self, atoms=None, properties=None, system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        data = self.graph(self.atoms)
        out = self.model(data, training=False, compute_force=True)
        energy = float(out["energy"].detach()[0])
        forces = out["forces"].detach().numpy().astype(np.float64)
        self.results = {"energy": energy, "free_energy": energy, "forces": forces}
