"""Draw every replicate of one scenario (replicate, x, y, y_true), streamed one replicate at a
time, with the file's SHA-256 in a sidecar for the stages that read it."""

from l1l2.data import Scenario
from l1l2.tables import write_simulated

from _runner import run


def main(smk):
    p = smk.params
    scenario = Scenario(p.function, p.noise_sd, p.n_samples)
    write_simulated(smk.output.data, scenario, p.replicates, p.seed, p.domain)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
