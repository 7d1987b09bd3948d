rule manifest:
    input:
        files=manifest_files(),
    output:
        manifest=report(
            "results/manifest.tsv",
            caption="../report/manifest.rst",
            category="Provenance",
            labels={"file": "manifest.tsv"},
        ),
        provenance="results/provenance.json",
        html=report(
            "results/provenance.html",
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"file": "provenance"},
        ),
    log:
        "logs/manifest.log",
    conda:
        ENV
    params:
        config=config,
        workflow_dir=workflow.basedir,
    script:
        "../scripts/manifest.py"
