"""Split each replicate into train/test rows and deal the training rows into CV folds, streamed
one replicate at a time; the simulated table is checked against the study as it is read."""

from l1l2.tables import Expected, write_split

from _runner import run


def main(smk):
    p = smk.params
    write_split(
        smk.input.data,
        smk.output.data,
        Expected.from_mapping(p.expected),
        p.scenario,
        p.seed,
        checksum=smk.input.data_sha256,
    )


run(main, snakemake)  # noqa: F821 - injected by Snakemake
