rule simulate:
    output:
        data="data/simulated/{scenario}.csv",
        data_sha256="data/simulated/{scenario}.csv.sha256",
    log:
        "logs/simulate/{scenario}.log",
    conda:
        ENV
    params:
        code=library_hash("data", "tables"),
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
        data_sha256="data/simulated/{scenario}.csv.sha256",
    output:
        data="data/split/{scenario}.csv",
        data_sha256="data/split/{scenario}.csv.sha256",
    log:
        "logs/split/{scenario}.log",
    conda:
        ENV
    params:
        code=library_hash("tables"),
        scenario="{scenario}",
        expected=lambda w: expected_tables(w.scenario),
        seed=config["seed"],
    script:
        "../scripts/split.py"
