"""Split each replicate into train/test rows and deal the training rows into CV folds."""

import pandas as pd

from l1l2.data import split, validate_data

from _runner import run


def main(smk):
    source = smk.input.data
    data = pd.read_csv(source)
    validate_data(data, source)
    p = smk.params
    table = split(data, p.scenario, seed=p.seed, test_size=p.test_size, folds=p.folds)
    table.to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
