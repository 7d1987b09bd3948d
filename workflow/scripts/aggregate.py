"""Concatenate the per-(scenario, model) metrics into results/tables/metrics.csv."""

import pandas as pd

from l1l2.tables import METRICS, read_scenario_metrics, write_csv

from _runner import run


def main(smk):
    p = smk.params
    paths = iter(smk.input)  # scenario by scenario, each scenario's models in order
    parts = [
        read_scenario_metrics([next(paths) for _ in p.models], p.fits, scenario, p.models)
        for scenario in p.scenarios
    ]
    table = pd.concat(parts, ignore_index=True)
    table["basis"] = p.fits["basis"]
    write_csv(table[list(METRICS)], smk.output[0])


run(main, snakemake)  # noqa: F821 - injected by Snakemake
