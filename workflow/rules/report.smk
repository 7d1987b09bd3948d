report: "../report/workflow.rst"


FIGURES = expand("results/figures/{scenario}/error_vs_degree.png", scenario=SCENARIOS)


rule figure_error_vs_degree:
    input:
        metrics="results/tables/metrics.csv",
        code=library("plots"),
    output:
        report(
            "results/figures/{scenario}/error_vs_degree.png",
            caption="../report/error_vs_degree.rst",
            category="Error vs degree",
            labels={"scenario": "{scenario}", "figure": "error vs degree"},
        ),
    log:
        "logs/figures/{scenario}/error_vs_degree.log",
    conda:
        ENV
    params:
        basis=config["features"]["basis"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/figure_error_vs_degree.py"


rule manifest:
    input:
        tables=[
            "results/tables/metrics.csv",
            "results/tables/crosscheck.csv",
            "results/tables/selection.csv",
        ],
        figures=FIGURES,
    output:
        manifest="results/manifest.tsv",
        provenance="results/provenance.json",
    log:
        "logs/manifest.log",
    conda:
        ENV
    params:
        config=config,
        roots=["data", "results/tables", "results/figures"],
        workflow_dir=workflow.basedir,
    script:
        "../scripts/manifest.py"
