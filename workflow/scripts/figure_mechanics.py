"""Figures 6 and 7: the penalties and their gradients, and one weight's solver trajectories."""

import pandas as pd

from l1l2 import plots
from l1l2.data import validate_split

from _runner import run


def main(smk):
    p = smk.params
    plots.penalties(smk.output.penalties, l1_ratio=p.l1_ratio, dpi=p.dpi)
    split = pd.read_csv(smk.input.split)
    validate_split(split, smk.input.split)
    X, y = plots.example_problem(split, p.degree, p.basis, p.domain)
    traj = plots.trajectory_runs(X, y, p.lambdas)
    plots.trajectories(traj, p.scenario, p.degree, p.basis, smk.output.trajectories, dpi=p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
