"""results/tables/summary.{md,csv,html}: the selected models, their test error, sparsity and
cross-check verdict, as a table a person can read."""

import pandas as pd

from l1l2.plots import summary_html, summary_markdown, summary_table
from l1l2.tables import read_metrics

from _runner import run


def main(smk):
    summary = summary_table(
        pd.read_csv(smk.input.selection),
        pd.read_csv(smk.input.crosscheck),
        read_metrics(smk.input.metrics, smk.params.fits),
        pd.read_csv(smk.input.per_replicate),
        scenarios=smk.params.scenarios,
    )
    summary.to_csv(smk.output.csv, index=False)
    with open(smk.output.markdown, "w", encoding="utf-8") as f:
        f.write(summary_markdown(summary, smk.params.basis))
    with open(smk.output.html, "w", encoding="utf-8") as f:
        f.write(summary_html(summary, smk.params.basis))


run(main, snakemake)  # noqa: F821 - injected by Snakemake
