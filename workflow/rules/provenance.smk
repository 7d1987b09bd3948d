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
