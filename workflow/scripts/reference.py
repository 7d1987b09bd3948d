"""Refit the scenario's full-training problems with scikit-learn and record the differences."""

import pandas as pd

from l1l2.data import validate_split
from l1l2.study import compare_with_reference

from _runner import run


def main(smk):
    table = pd.read_csv(smk.input.data)
    validate_split(table, smk.input.data)
    p = smk.params
    comparison = compare_with_reference(
        table,
        pd.read_csv(smk.input.coefs),
        pd.read_csv(smk.input.metrics),
        p.model,
        p.degrees,
        p.basis,
        p.domain,
        p.l1_ratio,
        replicates=None if p.replicates == "all" else p.replicates,
        tol=p.reference["tol"],
        max_iter=p.reference["max_iter"],
    )
    comparison.to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
