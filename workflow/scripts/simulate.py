"""Draw every replicate of one scenario: replicate, x, y, y_true."""

from l1l2.data import Scenario, simulate

from _runner import run


def main(smk):
    p = smk.params
    scenario = Scenario(p.function, p.noise_sd, p.n_samples)
    data = simulate(scenario, replicates=p.replicates, seed=p.seed, domain=p.domain)
    data.to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
