"""Transport analysis: all-origins MSD, D with honest errors, Arrhenius fits, ionic conductivity.

    from sei_lmp.analysis.transport import analyze_run, arrhenius
    table = pd.concat([analyze_run(d, species=["Li"]) for d in run_dirs])   # D_cm2_s, D_err_cm2_s, sigma_NE_mS_cm ...
    fits = arrhenius(table)                                                 # Ea_eV, Ea_err_eV, D0, D at 300 K with CI

Units are in the column names: D in cm^2/s, sigma in mS/cm, energies in eV, lengths in A, times in ps.
Trajectories are read by :func:`sei_lmp.io.read_trajectory` (a :class:`sei_lmp.io.Trajectory` is what
:func:`analyze_trajectory` takes); constants and conversions come from :mod:`sei_lmp.units`.
"""

from sei_lmp.analysis.transport.arrhenius import ArrheniusFit, arrhenius, fit_arrhenius
from sei_lmp.analysis.transport.conductivity import collective_conductivity, nernst_einstein_mS_cm, onsager
from sei_lmp.analysis.transport.fit import (
    D_STATUSES,
    DiffusionFit,
    DiffusiveWindow,
    auto_window,
    diffusive_window,
    fit_diffusion,
    random_walk_covariance,
)
from sei_lmp.analysis.transport.msd import cross_msd_fft, msd_fft, msd_fft_weighted
from sei_lmp.analysis.transport.notes import TransportWarning
from sei_lmp.analysis.transport.run import TransportResult, analyze_run, analyze_trajectory, transport_run
from sei_lmp.analysis.transport.series import TransportSeries

__all__ = ["D_STATUSES", "ArrheniusFit", "DiffusionFit", "DiffusiveWindow", "TransportResult", "TransportSeries",
           "TransportWarning", "analyze_run", "analyze_trajectory", "arrhenius", "auto_window",
           "collective_conductivity", "cross_msd_fft", "diffusive_window", "fit_arrhenius", "fit_diffusion", "msd_fft",
           "msd_fft_weighted", "nernst_einstein_mS_cm", "onsager", "random_walk_covariance", "transport_run"]

from sei_lmp.analysis.transport.arrhenius_counts import (CountArrheniusFit, count_arrhenius,  # noqa: E402
                                                       fit_count_arrhenius)
# jump analysis (rare-event transport): sites, jumps with hysteresis, defect paths, Poisson rates
from sei_lmp.analysis.transport.jump_stats import JumpAnalysis, correlation_factor, jump_analysis  # noqa: E402
from sei_lmp.analysis.transport.poisson import (RateRatio, overdispersion, poisson_interval,  # noqa: E402
                                                poisson_rate_ratio, poisson_upper_limit,
                                                weighted_poisson_interval)
from sei_lmp.analysis.transport.sites import Sites, assign_sites, cluster_sites, rocksalt_sites  # noqa: E402

__all__ += ["CountArrheniusFit", "JumpAnalysis", "Sites", "assign_sites", "cluster_sites", "correlation_factor",
            "count_arrhenius", "fit_count_arrhenius", "jump_analysis", "poisson_interval", "poisson_upper_limit",
            "RateRatio", "overdispersion", "poisson_rate_ratio", "rocksalt_sites", "weighted_poisson_interval"]
