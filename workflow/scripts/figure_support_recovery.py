"""Figure 11: which terms the Lasso keeps against λ, on a scenario with a sparse truth."""

import pandas as pd

from l1l2.plots import save, support_recovery

from _runner import run


def main(smk):
    p = smk.params
    selection = pd.read_csv(smk.input.selection)
    chosen = selection[(selection["scenario"] == p.scenario) & (selection["model"] == "lasso")]
    figure = support_recovery(
        pd.read_csv(smk.input.coefs),
        p.scenario,
        p.function,
        p.degree,
        basis=p.basis,
        selected=dict(zip(chosen["rule"], chosen["lambda"], strict=True)),
        style=p.style,
    )
    save(figure, smk.output[0], p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
