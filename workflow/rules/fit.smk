rule fit:
    input:
        data="data/split/{scenario}.csv",
        data_sha256="data/split/{scenario}.csv.sha256",
    output:
        metrics="results/fits/{scenario}/{model}.metrics.csv",
        coefs="results/fits/{scenario}/{model}.coefs.csv",
    log:
        "logs/fit/{scenario}/{model}.log",
    benchmark:
        "benchmarks/out/fit/{scenario}/{model}.tsv"
    conda:
        ENV
    params:
        code=library_hash("study", "tables"),
        model="{model}",
        expected=lambda w: expected_tables(w.scenario),
        degrees=DEGREES,
        # Only the models that use a value depend on it: a new λ grid leaves the OLS fits alone,
        # a new l1_ratio reruns only the elastic net (README.md, "Promises").
        lambdas=lambda w: [] if w.model == "ols" else LAMBDAS,
        basis=config["features"]["basis"],
        domain=config["scenarios"]["domain"],
        l1_ratio=lambda w: (
            config["elasticnet"]["l1_ratio"] if w.model == "elasticnet" else None
        ),
        solver=config["solver"],
    script:
        "../scripts/fit.py"


# One job for the whole study: each job pays scikit-learn's import and teardown (~1.5 CPU-s,
# about what a scenario's reference fits cost), and the params (the study's grid) name every
# scenario, so any scenario change reran all per-scenario jobs anyway. Two study-wide tables (a
# `scenario` column), not a pair per scenario: Snakemake records each output's metadata with a
# checksum of every input under 1 MB (~110 of the ~160 here), so 32 outputs meant 32 passes.
rule reference:
    input:
        data=expand("data/split/{scenario}.csv", scenario=SCENARIOS),
        data_sha256=expand("data/split/{scenario}.csv.sha256", scenario=SCENARIOS),
        coefs=per_scenario_model("results/fits/{scenario}/{model}.coefs.csv"),
        metrics=per_scenario_model("results/fits/{scenario}/{model}.metrics.csv"),
    output:
        comparison="results/reference/comparison.csv",
        coefs="results/reference/coefs.csv",
    log:
        "logs/reference.log",
    benchmark:
        "benchmarks/out/reference/study.tsv"
    # Priorities order the jobs that can start (Snakemake starts the highest first): long jobs
    # and short chains to the end first, so that none is left to run alone on one core at the
    # end (benchmarks/pipeline.py prints the timeline: how long fewer jobs ran than cores).
    # This is the longest job (~29 CPU-s, one core): it starts the moment the last fit ends,
    # and the figure jobs fill the other core beside it.
    priority: 50
    conda:
        ENV
    params:
        code=library_hash("study", "tables"),
        scenarios=list(SCENARIOS),
        models=MODELS,
        expected=[expected_tables(scenario) for scenario in SCENARIOS],
        fits=expected_fits(),
        degrees=DEGREES,
        basis=config["features"]["basis"],
        domain=config["scenarios"]["domain"],
        l1_ratio=config["elasticnet"]["l1_ratio"],
        replicates="all" if config["crosscheck"]["all_replicates"] else [0],
        reference=config["reference"],
    script:
        "../scripts/reference.py"


rule crosscheck:
    input:
        "results/reference/comparison.csv",
    output:
        "results/tables/crosscheck.csv",
    log:
        "logs/crosscheck.log",
    # Short chains to the overview and the manifest go before the 16 per-scenario figure
    # jobs, so that none of them is left to run alone at the end (priorities: rule reference).
    priority: 10
    conda:
        ENV
    params:
        code=library_hash("study", "tables"),
        fits=expected_fits(compared=True),
        tolerances={
            k: v for k, v in config["crosscheck"].items() if k != "all_replicates"
        },
    script:
        "../scripts/crosscheck.py"


rule aggregate:
    input:
        expand(
            "results/fits/{scenario}/{model}.metrics.csv",
            scenario=SCENARIOS,
            model=MODELS,
        ),
    output:
        "results/tables/metrics.csv",
    log:
        "logs/aggregate.log",
    # On the way to the 16 per-scenario figure jobs: beside the reference (priorities: rule
    # reference).
    priority: 30
    conda:
        ENV
    params:
        code=library_hash("tables"),
        scenarios=list(SCENARIOS),
        models=MODELS,
        fits=expected_fits(),
    script:
        "../scripts/aggregate.py"


rule select:
    input:
        "results/tables/metrics.csv",
    output:
        summary="results/tables/selection.csv",
        replicates="results/tables/selection_replicates.csv",
    log:
        "logs/select.log",
    # On the way to the 16 per-scenario figure jobs.
    priority: 30
    conda:
        ENV
    params:
        code=library_hash("metrics", "tables"),
        fits=expected_fits(),
        rules=config["selection"]["rules"],
    script:
        "../scripts/select.py"
