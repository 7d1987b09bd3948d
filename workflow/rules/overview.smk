# The report's first screen (workflow/report/workflow.rst shows results/overview/overview.html):
# the post's claims measured on this run, the figure "which regularizer wins where" and the
# interactive explorer (drawn inside the overview). Only the scripts import matplotlib or Altair.

# name -> [function, noise sd, n]: the scenarios as plain data for the scripts.
SCENARIO_VALUES = {
    name: [s.function, s.noise_sd, s.n_samples] for name, s in SCENARIOS.items()
}
EXPLORER = "results/overview/explorer.html"
EXPLORER_SPEC = "results/overview/explorer.vg.json"
OVERVIEW = [
    "results/overview/overview.html",
    "results/overview/claims.csv",
    EXPLORER,
    EXPLORER_SPEC,
    "results/figures/selected_models.png",
    "results/figures/selected_models.csv",
]


rule figure_selected_models:
    input:
        selection="results/tables/selection_replicates.csv",
    output:
        figure=report(
            "results/figures/selected_models.png",
            caption="../report/selected_models.rst",
            category="00 Overview",
            labels={"view": "which regularizer wins where"},
        ),
        table="results/figures/selected_models.csv",
    log:
        "logs/figures/selected_models.log",
    # Before the per-scenario figure jobs (priorities: rule reference in fit.smk).
    priority: 10
    conda:
        ENV
    params:
        code=library_hash("plots", "overview", "data"),
        scenarios=SCENARIO_VALUES,
        functions=config["scenarios"]["functions"],
        models=MODELS,
        rule="min",
        basis=config["features"]["basis"],
        dpi=config["plots"]["dpi"],
        style=config["plots"]["style"],
    script:
        "../scripts/figure_selected_models.py"


rule explorer:
    input:
        metrics="results/tables/metrics.csv",
        splits=expand("data/split/{scenario}.csv", scenario=SCENARIOS),
        splits_sha256=expand("data/split/{scenario}.csv.sha256", scenario=SCENARIOS),
        coefs=expand(
            "results/fits/{scenario}/{model}.coefs.csv",
            scenario=SCENARIOS,
            model=MODELS,
        ),
    # Not a report item: the overview draws the explorer from its Vega specification with the Vega
    # the report already carries, so the report does not hold the page's own inlined JavaScript
    # (0.9 MB) a second time. The page is the same explorer, for use outside the report.
    output:
        html=EXPLORER,
        spec=EXPLORER_SPEC,
    log:
        "logs/overview/explorer.log",
    # Before the per-scenario figure jobs (priorities: rule reference in fit.smk).
    priority: 10
    conda:
        ENV
    params:
        code=library_hash("explorer", "overview", "data", "tables"),
        scenarios=SCENARIO_VALUES,
        expected={name: expected_tables(name) for name in SCENARIOS},
        fits=expected_fits(),
        functions=config["scenarios"]["functions"],
        models=MODELS,
        lambdas=PENALIZED_LAMBDAS,
        basis=config["features"]["basis"],
        domain=config["scenarios"]["domain"],
    script:
        "../scripts/explorer.py"


rule overview:
    input:
        metrics="results/tables/metrics.csv",
        selection="results/tables/selection_replicates.csv",
        example_split=f"data/split/{EXAMPLE_SCENARIO}.csv",
        example_split_sha256=f"data/split/{EXAMPLE_SCENARIO}.csv.sha256",
        animations=expand("results/figures/{scenario}/fits.gif", scenario=SCENARIOS),
        error_vs_degree=expand(
            "results/figures/{scenario}/error_vs_degree.png", scenario=SCENARIOS
        ),
        error_vs_lambda=expand(
            "results/figures/{scenario}/error_vs_lambda.png", scenario=SCENARIOS
        ),
        coef_paths=expand(
            "results/figures/{scenario}/coef_paths.png", scenario=SCENARIOS
        ),
        trajectories="results/figures/trajectories.png",
        selected_models="results/figures/selected_models.png",
        explorer_spec=EXPLORER_SPEC,
    output:
        html="results/overview/overview.html",
        claims="results/overview/claims.csv",
    log:
        "logs/overview/overview.log",
    conda:
        ENV
    params:
        code=library_hash("overview", "plots", "data", "tables"),
        scenarios=SCENARIO_VALUES,
        expected=expected_tables(EXAMPLE_SCENARIO),
        fits=expected_fits(),
        functions=config["scenarios"]["functions"],
        noise_sd=config["scenarios"]["noise_sd"],
        n_samples=config["scenarios"]["n_samples"],
        replicates=config["scenarios"]["replicates"],
        models=MODELS,
        degrees=DEGREES,
        lambdas=LAMBDAS,
        penalized_lambdas=PENALIZED_LAMBDAS,
        example_degree=min(8, DEGREES[-1]),
        basis=config["features"]["basis"],
        domain=config["scenarios"]["domain"],
    script:
        "../scripts/overview.py"
