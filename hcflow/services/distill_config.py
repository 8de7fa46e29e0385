"""The parameters of one distillation run (:mod:`hcflow.services.distill`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ase import units


@dataclass
class DistillConfig:
    """Settings of one distillation run (sizes in atoms, T in K, time in fs)."""

    name: str = "hcflow-nac-small"
    out_dir: str = "distill"
    n_structures: int = 24
    n_carbon: tuple[int, int] = (40, 60)
    densities: tuple[float, float] = (0.7, 2.0)
    max_na_per_c: float = 1 / 6
    md_steps: int = 30
    md_stride: int = 5
    md_timestep_fs: float = 1.0
    #: Langevin friction of the exploration and active-learning MD, ps^-1
    #: (0.02 in ASE's time unit: the recipe of the shipped model).
    md_friction_per_ps: float = 0.02 * 1000.0 * units.fs
    temperatures: tuple[float, ...] = (600.0, 1000.0, 1500.0, 2000.0)
    n_perturbed: int = 2
    hidden_irreps: str = "32x0e"
    r_max: float = 5.0
    num_interactions: int = 2
    max_epochs: int = 40
    batch_size: int = 5
    al_rounds: int = 0
    al_cells: int = 8
    al_steps: int = 60
    al_temperatures: tuple[float, ...] = (1000.0, 1500.0)
    #: steps between the active-learning snapshots, and its time step (fs)
    al_stride: int = 5
    al_timestep_fs: float = 1.0
    #: melt-quench cells (LAMMPS, default protocol) added to the base cells:
    #: carbon atoms, densities (cycled), Na:C; seeds 5000 + i, never the
    #: seeds of benchmarks/revalidate_model_meltquench.py (101-103)
    mq_cells: int = 0
    mq_n_carbon: tuple[int, int] = (48, 80)
    mq_densities: tuple[float, ...] = (0.9, 1.3, 1.7)
    mq_max_na_per_c: float = 0.15
    #: close-contact copies per explored cell with Na (alternating Na-Na and
    #: Na-C), with the pair distance drawn from these ranges, A
    close_contacts: int = 0
    close_na_na_A: tuple[float, float] = (1.3, 2.8)
    close_na_c_A: tuple[float, float] = (1.5, 2.1)
    #: mace's ZBL pair repulsion under the learned energy
    pair_repulsion: bool = False
    seed: int = 1
    #: the teacher: any spec of the calculator factory, and D3 on top of it
    teacher: str = "chgnet"
    dispersion: str | None = None
    #: a cheap potential that runs the exploration MD (None: the teacher);
    #: its configurations are then labelled by the teacher
    explore_with: str | None = None
    #: add :func:`hcflow.structures.training_cells.reference_sets`
    reference_sets: bool = False
    #: folder of the per-configuration label cache (None: ``<out_dir>/labels``)
    label_cache: str | None = None
    extra_train_args: list[str] = field(default_factory=list)
