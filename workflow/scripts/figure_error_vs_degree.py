"""Train and test error against degree for one scenario."""

import pandas as pd

from l1l2.plots import error_vs_degree

from _runner import run


def main(smk):
    metrics = pd.read_csv(smk.input.metrics)
    error_vs_degree(
        metrics, smk.wildcards.scenario, smk.output[0], basis=smk.params.basis, dpi=smk.params.dpi
    )


run(main, snakemake)  # noqa: F821 - injected by Snakemake
