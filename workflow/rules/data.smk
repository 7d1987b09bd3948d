rule simulate:
    output:
        "data/simulated/{scenario}.csv",
    log:
        "logs/simulate/{scenario}.log",
    conda:
        ENV
    params:
        code=library_hash("data"),
        function=lambda w: SCENARIOS[w.scenario].function,
        noise_sd=lambda w: SCENARIOS[w.scenario].noise_sd,
        n_samples=lambda w: SCENARIOS[w.scenario].n_samples,
        replicates=config["scenarios"]["replicates"],
        domain=config["scenarios"]["domain"],
        seed=config["seed"],
    script:
        "../scripts/simulate.py"


rule split:
    input:
        data="data/simulated/{scenario}.csv",
    output:
        "data/split/{scenario}.csv",
    log:
        "logs/split/{scenario}.log",
    conda:
        ENV
    params:
        code=library_hash("data"),
        scenario="{scenario}",
        test_size=config["split"]["test_size"],
        folds=config["split"]["folds"],
        seed=config["seed"],
    script:
        "../scripts/split.py"
