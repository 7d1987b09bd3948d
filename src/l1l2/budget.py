"""What a configuration will cost, estimated before any job runs, and the budget it must fit.

Every estimate is a closed formula of the configuration (no data are read, no job is planned), so
a study that would take days or fill the disk is refused in a fraction of a second, with one line
that names the estimate, the limit and the ``limits.*`` key that raises it on purpose.

Notation: S scenarios (functions × noise levels × sample sizes), R replicates, K CV folds,
D the fitted degrees, M the models and Λ = Σ_models (1 for ols, else ``lambdas.num``) the fits of
one design matrix, so a scenario has R·|D|·(K + 1) design matrices and R·|D|·(K + 1)·Λ fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .data import get_true_function

#: Bytes per row of a simulated / split CSV table (61 and 69 measured on the tiny study; rounded
#: up so that wide domains and negative values stay below). Measured figures below are the tiny
#: study's too; tests/test_workflow.py checks that the estimate bounds what it writes.
SIMULATED_ROW_BYTES = 80
SPLIT_ROW_BYTES = 90
#: Bytes per row of a fit's metrics table (about 180 measured, 262 for the reference's
#: comparison; written twice: per fit and in results/tables/metrics.csv) and of a coefficient
#: table (48 measured, 85 for the reference's, which names the scenario on every row: the
#: mean stays below 70 as a study compares at most as many replicates as it fits).
METRICS_ROW_BYTES = 2 * 220
COEF_ROW_BYTES = 70
#: PNG and GIF figures of one scenario at 110 dpi (0.5 to 0.9 MB measured), scaled by dpi².
FIGURE_BYTES_PER_SCENARIO = 1_500_000
#: The numbers the figures draw (CSV beside each figure): per row of the fit curves of
#: fits.csv / fits_animation.csv (200 points x 3 models x degrees; about 85 bytes measured), and
#: of the cross-check figure's coefficient pairs; the study-wide figures' tables (convergence,
#: trajectories, penalties: about 0.3 MB measured) on top.
FIGURE_DATA_ROW_BYTES = 110
FIGURE_CURVE_ROWS_PER_DEGREE = 200 * 3
FIGURE_DATA_STUDY_WIDE = 600_000
#: The report's overview page (its figures embedded), the interactive explorer (1 MB of inlined
#: JavaScript plus the fits of one scenario) and figure 0: 2 MB measured on the tiny study.
OVERVIEW_BYTES = 3_000_000
#: Jobs per scenario (simulate, split, figures_scenario), per scenario of a sparse true function
#: (figure_support_recovery), per (scenario, model) (fit), and study-wide ones (reference, ...).
JOBS_PER_SCENARIO = 3
JOBS_PER_SPARSE_SCENARIO = 1
JOBS_STUDY_WIDE = 14

#: What each limit bounds, in the words of its one-line refusal, and what reduces it.
LIMITS = {
    "jobs": ("jobs", "the scenario lists, models"),
    "rows": ("simulated rows", "the scenario lists, scenarios.n_samples, scenarios.replicates"),
    "fits": (
        "solver fits",
        "scenarios.replicates, features.degrees, split.folds, models, lambdas.num",
    ),
    "design_bytes": (
        "bytes of design matrices for one replicate in a fit job",
        "scenarios.n_samples, features.degrees, split.folds",
    ),
    "output_bytes": (
        "bytes written to data/ and results/",
        "the scenario lists, scenarios.replicates, features.degrees, models, lambdas.num",
    ),
    "solver_work": (
        "multiply-adds if every fit ran to solver.max_iter",
        "solver.max_iter, lambdas.num, features.degrees, scenarios.replicates",
    ),
}


def estimate(config: Mapping[str, Any]) -> dict[str, float]:
    """The study's size from a validated ``config`` (schema defaults filled in).

    Returns a dict with the keys of :data:`LIMITS` (and ``scenarios``):

    * ``rows`` = Σ_scenarios n·R;
    * ``fits`` = S·R·|D|·(K + 1)·Λ;
    * ``design_bytes`` = max_n 8·n·Σ_D d·(K + 1): all design matrices of one replicate, the
      smallest batch a fit job holds in memory (:func:`l1l2.study.replicate_chunks`);
    * ``output_bytes``: the data tables (rows · bytes per simulated and split row), metrics rows
      S·R·|D|·Λ and coefficient rows S·R·Λ·(Σ_D d + |D|) for the fits and again for the
      replicates the reference compares, the figures with the CSVs of their numbers, and the
      overview;
    * ``solver_work`` = max_iter · S·R·(K + 1) · Σ_D d² · Λ: one iteration over a batch of λ
      costs about p²·n_λ multiply-adds (the Gram matrix is precomputed), and no fit can take
      more than ``solver.max_iter`` iterations;
    * ``jobs``: the jobs of the DAG (checked against ``snakemake -n`` by the tests).
    """
    sc = config["scenarios"]
    n_functions, n_noise = len(sc["functions"]), len(sc["noise_sd"])
    n_scenarios = n_functions * n_noise * len(sc["n_samples"])
    replicates = int(sc["replicates"])
    folds = int(config["split"]["folds"])
    degrees = range(config["features"]["degrees"]["min"], config["features"]["degrees"]["max"] + 1)
    models = list(config["models"])
    fits_per_matrix = sum(1 if m == "ols" else int(config["lambdas"]["num"]) for m in models)
    sum_d, sum_d2 = sum(degrees), sum(d * d for d in degrees)

    rows = n_functions * n_noise * sum(int(n) for n in sc["n_samples"]) * replicates
    matrices = n_scenarios * replicates * len(degrees) * (folds + 1)
    compared = replicates if config["crosscheck"]["all_replicates"] else 1
    coef_rows = n_scenarios * (replicates + compared) * fits_per_matrix * (sum_d + len(degrees))
    metric_rows = n_scenarios * (replicates + compared) * len(degrees) * fits_per_matrix
    figures = n_scenarios * FIGURE_BYTES_PER_SCENARIO * (config["plots"]["dpi"] / 110) ** 2
    curve_rows = n_scenarios * FIGURE_CURVE_ROWS_PER_DEGREE * (len(degrees) + min(6, len(degrees)))
    pair_rows = n_scenarios * compared * fits_per_matrix * (sum_d + len(degrees))
    figures += (curve_rows + pair_rows) * FIGURE_DATA_ROW_BYTES + FIGURE_DATA_STUDY_WIDE
    sparse = sum(get_true_function(f).support is not None for f in sc["functions"]) * n_noise
    data = rows * (SIMULATED_ROW_BYTES + SPLIT_ROW_BYTES)
    return {
        "scenarios": n_scenarios,
        "rows": rows,
        "fits": matrices * fits_per_matrix,
        "design_bytes": max(8 * int(n) * sum_d * (folds + 1) for n in sc["n_samples"]),
        "output_bytes": data
        + metric_rows * METRICS_ROW_BYTES
        + coef_rows * COEF_ROW_BYTES
        + figures
        + OVERVIEW_BYTES,
        "solver_work": (
            float(config["solver"]["max_iter"])
            * n_scenarios
            * replicates
            * (folds + 1)
            * sum_d2
            * fits_per_matrix
        ),
        "jobs": n_scenarios * (JOBS_PER_SCENARIO + len(models))
        + sparse * len(sc["n_samples"]) * JOBS_PER_SPARSE_SCENARIO
        + JOBS_STUDY_WIDE,
    }


def budget_problems(config: Mapping[str, Any]) -> list[str]:
    """[] if ``config`` fits its ``limits``, else one line naming every estimate above its limit."""
    sizes = estimate(config)
    over = [key for key in LIMITS if sizes[key] > config["limits"][key]]
    if not over:
        return []
    estimates = "; ".join(
        f"about {sizes[k]:.3g} {LIMITS[k][0]} > limits.{k} = {config['limits'][k]:.3g}"
        for k in over
    )
    reduce = ", ".join(dict.fromkeys(part for k in over for part in LIMITS[k][1].split(", ")))
    return [
        f"config too large: {estimates}; reduce {reduce}, or raise "
        f"{' / '.join('limits.' + k for k in over)} on purpose (config/README.md, 'Limits')"
    ]
