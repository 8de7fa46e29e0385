"""Cited reference values and tolerances of the physics gates.

One :class:`Reference` per gate: the value (experiment or DFT), the accepted
window (``lo``..``hi``; ``None`` for an open side, e.g. a sign test), the unit
and the source. The gates (:mod:`hcflow.potentials.gates`) compare a model's
number with it; the window is a judgement written down here, not a fit.
"""

from __future__ import annotations

from dataclasses import dataclass

RYTKONEN = "Rytkonen, Akola, Manninen, PRB 69, 205404 (2004), DFT, Na on graphite"
MORIWAKE = "Moriwake et al., RSC Adv. 7, 36550 (2017); Lee and Persson (2014)"
LEGRAIN = "Legrain et al., JPCC 119, 13496 (2015); Olsson et al., Nanoscale (2019)"
NA_EXP = "exp.: bcc Na a = 4.23 A (5 K), Ec 1.11 eV (Kittel), B 6.3-7.5 GPa"
NA2_EXP = "exp. Na2 spectroscopy: r_e 3.08 A, D_e 0.73 eV (Huber and Herzberg)"
GRAPHITE = "exp.: graphite c/2 3.35 A; interlayer binding 40-55 meV/atom (exp./RPA)"
GRAPHENE = "exp.: graphene/graphite in-plane C-C 1.42 A"
MEYER = "Meyer and Nachtrieb, J. Chem. Phys. 23, 1851 (1955), liquid Na"
NVE = "convention: |drift| < 1 meV/atom/ps over the run (no citation)"


@dataclass(frozen=True)
class Reference:
    """A cited value and the window a model's number must fall in."""

    value: float | None
    lo: float | None
    hi: float | None
    unit: str
    source: str
    family: str

    def judge(self, x: float | None) -> str:
        """``pass`` or ``fail`` of a number against the window."""
        if x is None:
            return "fail"
        if self.lo is not None and x < self.lo:
            return "fail"
        if self.hi is not None and x > self.hi:
            return "fail"
        return "pass"

    def window(self) -> str:
        """The window as text, e.g. ``4.13..4.33`` or ``> 0``."""
        if self.lo is not None and self.hi is not None:
            return f"{self.lo:g}..{self.hi:g}"
        if self.lo is not None:
            return f"> {self.lo:g}"
        return f"< {self.hi:g}"


#: gate name -> reference. Families: na_metal, na2, carbon, na_carbon, md.
REFERENCES: dict[str, Reference] = {
    "na_bcc_a": Reference(4.23, 4.13, 4.33, "A", NA_EXP, "na_metal"),
    "na_cohesive": Reference(1.11, 0.91, 1.31, "eV/atom", NA_EXP, "na_metal"),
    "na_bulk_modulus": Reference(6.9, 5.0, 9.0, "GPa", NA_EXP, "na_metal"),
    "na2_bond": Reference(3.08, 2.93, 3.23, "A", NA2_EXP, "na2"),
    "na2_binding": Reference(0.73, 0.53, 0.93, "eV", NA2_EXP, "na2"),
    "graphene_cc": Reference(1.42, 1.40, 1.44, "A", GRAPHENE, "carbon"),
    "graphite_spacing": Reference(3.35, 3.20, 3.50, "A", GRAPHITE, "carbon"),
    "graphite_binding": Reference(48.0, 30.0, 70.0, "meV/atom", GRAPHITE, "carbon"),
    # site: 0 hollow, 1 bridge, 2 top (a number so the figure can plot it)
    "na_graphene_site": Reference(
        0.0, -0.5, 0.5, "0 hollow/1 bridge/2 top", RYTKONEN, "na_carbon"
    ),
    "na_graphene_height": Reference(2.45, 2.20, 2.70, "A", RYTKONEN, "na_carbon"),
    "na_graphene_vs_atom": Reference(-0.51, -0.81, -0.21, "eV", RYTKONEN, "na_carbon"),
    "na_graphene_vs_metal": Reference(
        0.60, 0.20, 1.00, "eV", RYTKONEN + "; Ec exp.", "na_carbon"
    ),
    "na_graphene_barrier": Reference(0.06, 0.0, 0.16, "eV", RYTKONEN, "na_carbon"),
    "na_vacancy_vs_metal": Reference(None, None, 0.0, "eV", LEGRAIN, "na_carbon"),
    "nac6_formation": Reference(None, 0.0, None, "eV/Na", MORIWAKE, "na_carbon"),
    "nac8_formation": Reference(None, 0.0, None, "eV/Na", MORIWAKE, "na_carbon"),
    # MD (behind --md): log10 D in cm2/s, factor 2 either way
    "na_liquid_D_450K": Reference(None, None, None, "log10 cm2/s", MEYER, "md"),
    "na_liquid_D_700K": Reference(None, None, None, "log10 cm2/s", MEYER, "md"),
    "nve_drift_1fs": Reference(0.0, -1.0, 1.0, "meV/atom/ps", NVE, "md"),
    "nve_drift_2fs": Reference(0.0, -1.0, 1.0, "meV/atom/ps", NVE, "md"),
}

#: elements each gate needs
ELEMENTS: dict[str, tuple[str, ...]] = {
    name: ("Na",) if ref.family in ("na_metal", "na2") else ("C",)
    for name, ref in REFERENCES.items()
}
ELEMENTS.update(
    {n: ("Na", "C") for n, r in REFERENCES.items() if r.family == "na_carbon"}
)
ELEMENTS.update(
    {"na_liquid_D_450K": ("Na",), "na_liquid_D_700K": ("Na",)},
)
ELEMENTS.update({"nve_drift_1fs": ("Na", "C"), "nve_drift_2fs": ("Na", "C")})


def meyer_nachtrieb(temperature_K: float) -> float:
    """Liquid Na self-diffusion (cm2/s): D = 1.1e-3 exp(-0.106 eV / kT)."""
    import math

    return 1.1e-3 * math.exp(-0.106 / (8.617333e-5 * temperature_K))


def diffusion_reference(temperature_K: float) -> Reference:
    """log10 D window (factor 2) of liquid Na at one temperature."""
    import math

    log_d = math.log10(meyer_nachtrieb(temperature_K))
    span = math.log10(2.0)
    return Reference(
        round(log_d, 3),
        round(log_d - span, 3),
        round(log_d + span, 3),
        "log10 cm2/s",
        MEYER,
        "md",
    )


for _t in (450, 700):
    REFERENCES[f"na_liquid_D_{_t}K"] = diffusion_reference(_t)
