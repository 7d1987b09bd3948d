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
