from l1l2.data import get_true_function
from l1l2.plots.analysis import spread_degrees


report: "../report/workflow.rst"


# Scenarios whose true function is a sparse polynomial (support-recovery figure).
SPARSE_SCENARIOS = [
    name
    for name, s in SCENARIOS.items()
    if get_true_function(s.function).support is not None
]
# The scenario of the solver figures (7, 8): the first one with the largest sample.
EXAMPLE_SCENARIO = max(SCENARIOS.values(), key=lambda s: s.n_samples).name
PENALIZED_LAMBDAS = [lam for lam in LAMBDAS if lam > 0]
SCENARIO_FIGURES = [
    "fits.png",
    "fits.gif",
    "error_vs_degree.png",
    "error_vs_lambda.png",
    "coef_paths.png",
    "sparsity.png",
    "bias_variance.png",
]
FIGURES = [
    *expand(
        "results/figures/{scenario}/{figure}",
        scenario=SCENARIOS,
        figure=SCENARIO_FIGURES,
    ),
    *expand(
        "results/figures/{scenario}/support_recovery.png", scenario=SPARSE_SCENARIOS
    ),
    "results/figures/penalties.png",
    "results/figures/trajectories.png",
    "results/figures/convergence.png",
    "results/figures/crosscheck.png",
    "results/figures/scaling.png",
    "results/tables/summary.md",
]


# Report grouping of per-scenario figures: subcategory = true function, labels = noise and n.
SCENARIO_SUBCATEGORY = lambda w: (
    f"{SCENARIOS[w.scenario].function}: "
    f"f(t) = {get_true_function(SCENARIOS[w.scenario].function).formula}"
)
# The report sorts rows by label text: n first, left-padded with figure spaces (U+2007, the width
# of a digit) so that n = 50 comes before n = 200.
SCENARIO_LABELS = lambda w: {
    "n": f"{SCENARIOS[w.scenario].n_samples:\u2007>6}",
    "noise sd": SCENARIOS[w.scenario].noise_text,
}


rule figures_scenario:
    input:
        # this scenario's rows of metrics.csv, without reading the whole table
        metrics=expand("results/fits/{{scenario}}/{model}.metrics.csv", model=MODELS),
        selection="results/tables/selection.csv",
        split="data/split/{scenario}.csv",
        split_sha256="data/split/{scenario}.csv.sha256",
        coefs=expand("results/fits/{{scenario}}/{model}.coefs.csv", model=MODELS),
    output:
        fits=report(
            "results/figures/{scenario}/fits.png",
            caption="../report/fits.rst",
            category="01 Under- to overfitting",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=lambda w: {**SCENARIO_LABELS(w), "view": "static grid"},
        ),
        # Not a report item: the report cannot show a GIF (it offers it as a download). The
        # overview shows the animation of the scenario that overfits most, and the explorer
        # (results/overview/explorer.html) moves through every degree and λ.
        animation="results/figures/{scenario}/fits.gif",
        error_vs_degree=report(
            "results/figures/{scenario}/error_vs_degree.png",
            caption="../report/error_vs_degree.rst",
            category="02 Error vs degree",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=SCENARIO_LABELS,
        ),
        error_vs_lambda=report(
            "results/figures/{scenario}/error_vs_lambda.png",
            caption="../report/error_vs_lambda.rst",
            category="03 Error vs lambda",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=SCENARIO_LABELS,
        ),
        coef_paths=report(
            "results/figures/{scenario}/coef_paths.png",
            caption="../report/coef_paths.rst",
            category="04 Coefficient paths",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=SCENARIO_LABELS,
        ),
        sparsity=report(
            "results/figures/{scenario}/sparsity.png",
            caption="../report/sparsity.rst",
            category="05 Sparsity vs lambda",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=SCENARIO_LABELS,
        ),
        bias_variance=report(
            "results/figures/{scenario}/bias_variance.png",
            caption="../report/bias_variance.rst",
            category="10 Bias-variance",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=SCENARIO_LABELS,
        ),
        # the exact numbers each figure draws, beside it
        fits_csv="results/figures/{scenario}/fits.csv",
        animation_csv="results/figures/{scenario}/fits_animation.csv",
        error_vs_degree_csv="results/figures/{scenario}/error_vs_degree.csv",
        error_vs_lambda_csv="results/figures/{scenario}/error_vs_lambda.csv",
        coef_paths_csv="results/figures/{scenario}/coef_paths.csv",
        sparsity_csv="results/figures/{scenario}/sparsity.csv",
        bias_variance_csv="results/figures/{scenario}/bias_variance.csv",
    log:
        "logs/figures/{scenario}/figures.log",
    conda:
        ENV
    params:
        code=library_hash("plots", "tables", "overview"),
        scenario="{scenario}",
        expected=lambda w: expected_tables(w.scenario),
        fits=expected_fits(),
        function=lambda w: SCENARIOS[w.scenario].function,
        noise_sd=lambda w: SCENARIOS[w.scenario].noise_sd,
        models=MODELS,
        degrees=DEGREES,
        grid_degrees=spread_degrees(DEGREES, 6),
        sparsity_degrees=sorted({DEGREES[len(DEGREES) // 2], DEGREES[-1]}),
        basis=config["features"]["basis"],
        domain=config["scenarios"]["domain"],
        dpi=config["plots"]["dpi"],
        style=config["plots"]["style"],
    script:
        "../scripts/figure_scenario.py"


rule figure_support_recovery:
    input:
        metrics="results/fits/{scenario}/lasso.metrics.csv",
        coefs="results/fits/{scenario}/lasso.coefs.csv",
    output:
        figure=report(
            "results/figures/{scenario}/support_recovery.png",
            caption="../report/support_recovery.rst",
            category="11 Support recovery",
            subcategory=SCENARIO_SUBCATEGORY,
            labels=SCENARIO_LABELS,
        ),
        data="results/figures/{scenario}/support_recovery.csv",
    log:
        "logs/figures/{scenario}/support_recovery.log",
    conda:
        ENV
    params:
        code=library_hash("plots", "tables"),
        scenario="{scenario}",
        fits=expected_fits(),
        function=lambda w: SCENARIOS[w.scenario].function,
        degree=DEGREES[-1],
        rules=config["selection"]["rules"],
        basis=config["features"]["basis"],
        dpi=config["plots"]["dpi"],
        style=config["plots"]["style"],
    script:
        "../scripts/figure_support_recovery.py"


rule figure_mechanics:
    input:
        split=f"data/split/{EXAMPLE_SCENARIO}.csv",
        split_sha256=f"data/split/{EXAMPLE_SCENARIO}.csv.sha256",
    output:
        penalties=report(
            "results/figures/penalties.png",
            caption="../report/penalties.rst",
            category="06 Penalties and gradients",
            labels={"figure": "penalties"},
        ),
        trajectories=report(
            "results/figures/trajectories.png",
            caption="../report/trajectories.rst",
            category="07 Gradient-descent trajectories",
            labels={"figure": "trajectories"},
        ),
        penalties_csv="results/figures/penalties.csv",
        trajectories_csv="results/figures/trajectories.csv",
    log:
        "logs/figures/mechanics.log",
    conda:
        ENV
    params:
        code=library_hash("plots", "tables"),
        scenario=EXAMPLE_SCENARIO,
        expected=expected_tables(EXAMPLE_SCENARIO),
        degree=min(8, DEGREES[-1]),
        lambdas=PENALIZED_LAMBDAS,
        basis=config["features"]["basis"],
        domain=config["scenarios"]["domain"],
        l1_ratio=config["elasticnet"]["l1_ratio"],
        dpi=config["plots"]["dpi"],
        style=config["plots"]["style"],
    script:
        "../scripts/figure_mechanics.py"


rule figure_convergence:
    input:
        split=f"data/split/{EXAMPLE_SCENARIO}.csv",
        split_sha256=f"data/split/{EXAMPLE_SCENARIO}.csv.sha256",
    output:
        figure=report(
            "results/figures/convergence.png",
            caption="../report/convergence.rst",
            category="08 Convergence and conditioning",
            labels={"figure": "convergence"},
        ),
        table="results/tables/conditioning.csv",
        data="results/figures/convergence.csv",
    log:
        "logs/figures/convergence.log",
    # ~17 CPU-s that need only one split file: it starts as soon as that exists and runs
    # beside the fits, not at the end (priorities: rule reference in fit.smk).
    priority: 40
    conda:
        ENV
    params:
        code=library_hash("plots", "tables"),
        scenario=EXAMPLE_SCENARIO,
        expected=expected_tables(EXAMPLE_SCENARIO),
        models=MODELS,
        degrees=DEGREES,
        lambdas=PENALIZED_LAMBDAS,
        domain=config["scenarios"]["domain"],
        basis=config["features"]["basis"],
        l1_ratio=config["elasticnet"]["l1_ratio"],
        solver=config["solver"],
        dpi=config["plots"]["dpi"],
        style=config["plots"]["style"],
    script:
        "../scripts/figure_convergence.py"


rule figure_crosscheck:
    input:
        crosscheck="results/tables/crosscheck.csv",
        pairs="results/reference/coefs.csv",
    output:
        figure=report(
            "results/figures/crosscheck.png",
            caption="../report/crosscheck.rst",
            category="09 Cross-check with scikit-learn",
            labels={"figure": "cross-check"},
        ),
        data="results/figures/crosscheck.csv",
    log:
        "logs/figures/crosscheck.log",
    # Before the per-scenario figure jobs (priorities: rule reference in fit.smk).
    priority: 10
    conda:
        ENV
    params:
        code=library_hash("plots"),
        basis=config["features"]["basis"],
        dpi=config["plots"]["dpi"],
        style=config["plots"]["style"],
    script:
        "../scripts/figure_crosscheck.py"


rule summary:
    input:
        selection="results/tables/selection.csv",
        per_replicate="results/tables/selection_replicates.csv",
        crosscheck="results/tables/crosscheck.csv",
        metrics="results/tables/metrics.csv",
    output:
        markdown="results/tables/summary.md",
        csv="results/tables/summary.csv",
        html=report(
            "results/tables/summary.html",
            caption="../report/summary.rst",
            category="00 Summary",
            labels={"table": "selected models"},
        ),
    log:
        "logs/summary.log",
    # Before the per-scenario figure jobs (priorities: rule reference in fit.smk).
    priority: 10
    conda:
        ENV
    params:
        code=library_hash("plots", "tables"),
        fits=expected_fits(),
        scenarios=list(SCENARIOS),
        basis=config["features"]["basis"],
    script:
        "../scripts/summary.py"


rule figure_scaling:
    output:
        report(
            "results/figures/scaling.png",
            caption="../report/scaling.rst",
            category="12 Scaling",
            labels={"figure": "scaling"},
        ),
    log:
        "logs/figures/scaling.log",
    conda:
        ENV
    params:
        # The measured figure ships with the workflow: found beside this file, tracked by content.
        figure=workflow_file("../report/scaling.png"),
        sha256=workflow_file_hash("../report/scaling.png"),
    script:
        "../scripts/figure_scaling.py"
