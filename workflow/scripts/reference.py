"""Refit every scenario's full-training problems with scikit-learn, every model, and record the
differences to the l1l2 fits: two study-wide tables with a ``scenario`` column, each scenario's
rows appended as it is done.

One job for the study: scikit-learn's import (~1.5 CPU-s) is paid once, not once per scenario."""

import logging

import pandas as pd

from l1l2.study import compare_with_reference
from l1l2.tables import read_fit_metrics, read_split

from _runner import read_csv, run


def main(smk):
    p = smk.params
    n_models = len(p.models)
    for i, scenario in enumerate(p.scenarios):
        # Inputs per (scenario, model) come scenario-major (common.smk, per_scenario_model).
        fits = slice(i * n_models, (i + 1) * n_models)
        table = read_split(smk.input.data[i], p.expected[i])
        results = [
            compare_with_reference(
                table,
                read_csv(coefs),
                read_fit_metrics(metrics, p.fits, scenario, model),
                model,
                p.degrees,
                p.basis,
                p.domain,
                p.l1_ratio,
                replicates=None if p.replicates == "all" else p.replicates,
                tol=p.reference["tol"],
                max_iter=p.reference["max_iter"],
            )
            for model, coefs, metrics in zip(
                p.models, smk.input.coefs[fits], smk.input.metrics[fits], strict=True
            )
        ]
        for part, path in enumerate((smk.output.comparison, smk.output.coefs)):
            table = pd.concat([r[part] for r in results], ignore_index=True)
            table.insert(0, "scenario", scenario)
            table.to_csv(path, index=False, mode="a" if i else "w", header=not i)
        logging.info("%s: %d fits compared", scenario, sum(len(r[0]) for r in results))


run(main, snakemake)  # noqa: F821 - injected by Snakemake
