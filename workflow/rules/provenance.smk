rule manifest:
    input:
        # Everything else the run makes: the manifest is written last.
        [f for f in final_outputs() if f != "results/manifest.tsv"],
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
        code=library_hash("provenance"),
        patterns=lambda w: manifest_patterns(),
        wildcard_values={"scenario": list(SCENARIOS), "model": MODELS},
        # What the results were computed from: `limits` only decide whether a run may start
        # (a budget guard), so raising one reruns nothing and is not recorded.
        config={key: value for key, value in config.items() if key != "limits"},
    script:
        "../scripts/manifest.py"
