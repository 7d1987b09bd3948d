"""Figure 9: l1l2 against scikit-learn, coefficient by coefficient and fit by fit."""

import pandas as pd

from l1l2 import plots

from _runner import run


def main(smk):
    p = smk.params
    figure = plots.crosscheck(
        pd.read_csv(smk.input.pairs),
        pd.read_csv(smk.input.crosscheck),
        basis=p.basis,
        style=p.style,
        dpi=p.dpi,
    )
    plots.save(figure, smk.output.figure, p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
