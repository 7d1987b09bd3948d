"""Apply the tolerances to every l1l2 vs scikit-learn comparison; fail on any disagreement."""

import logging

from l1l2.study import crosscheck_verdict
from l1l2.tables import read_reference

from _runner import run


def main(smk):
    p = smk.params
    table = crosscheck_verdict(read_reference(smk.input[0], p.fits), **p.tolerances)
    counts = table["status"].value_counts().to_dict()
    logging.info("cross-check: %s", counts)
    bad = table[table["status"] == "DISAGREE"]
    if not bad.empty:
        worst = bad.sort_values("rel_objective_diff", ascending=False).head(5)
        cases = "; ".join(
            f"{r.scenario}/{r.model} replicate {r.replicate} degree {r.degree} "
            f"lambda {r['lambda']:.3g}: rel objective diff {r.rel_objective_diff:.2e}, "
            f"coef diff {r.max_abs_coef_diff:.2e}"
            for _, r in worst.iterrows()
        )
        raise ValueError(f"{len(bad)} converged fit(s) disagree with scikit-learn (worst: {cases})")
    table.to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
