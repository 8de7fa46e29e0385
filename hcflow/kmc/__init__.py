"""Room-temperature transport by kinetic Monte Carlo on a site network.

:mod:`hcflow.kmc.network` holds the one carrier (:class:`SiteNetwork`);
:mod:`hcflow.kmc.estimate` runs rejection-free KMC on it and returns D with
an interval. The network comes from MD (sites and hops) and barriers from hop
rates or NEB. Science layer: pure numpy/ASE, no database.
"""
