"""Split each replicate into train/test rows and deal the training rows into CV folds."""

from l1l2.data import split, validate_data

from _runner import read_csv, run


def main(smk):
    source = smk.input.data
    data = read_csv(source)
    validate_data(data, source)
    p = smk.params
    table = split(data, p.scenario, seed=p.seed, test_size=p.test_size, folds=p.folds)
    table.to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
