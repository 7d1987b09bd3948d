"""Refit a scenario's full-training problems with scikit-learn, every model, and record the
differences to the l1l2 fits (one job per scenario: each job pays scikit-learn's import once)."""

import pandas as pd

from l1l2.study import compare_with_reference
from l1l2.tables import read_fit_metrics, read_split

from _runner import read_csv, run


def main(smk):
    table = read_split(smk.input.data, smk.params.expected)
    p = smk.params
    results = [
        compare_with_reference(
            table,
            read_csv(coefs),
            read_fit_metrics(metrics, p.fits, smk.wildcards.scenario, model),
            model,
            p.degrees,
            p.basis,
            p.domain,
            p.l1_ratio,
            replicates=None if p.replicates == "all" else p.replicates,
            tol=p.reference["tol"],
            max_iter=p.reference["max_iter"],
        )
        for model, coefs, metrics in zip(p.models, smk.input.coefs, smk.input.metrics, strict=True)
    ]
    pd.concat([r[0] for r in results], ignore_index=True).to_csv(
        smk.output.comparison, index=False
    )
    pd.concat([r[1] for r in results], ignore_index=True).to_csv(smk.output.coefs, index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
