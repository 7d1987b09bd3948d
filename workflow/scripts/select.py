"""Choose degree and λ per (scenario, model) by cross-validation (min and 1se rules)."""

from l1l2.metrics import select_models
from l1l2.tables import read_metrics

from _runner import run


def main(smk):
    summary, per_replicate = select_models(
        read_metrics(smk.input[0], smk.params.fits), smk.params.rules
    )
    summary.to_csv(smk.output.summary, index=False)
    per_replicate.to_csv(smk.output.replicates, index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
