"""Figures 6 and 7: the penalties and their gradients, and one weight's solver trajectories."""

from l1l2 import plots
from l1l2.tables import read_split

from _runner import run


def main(smk):
    p = smk.params
    look = {"style": p.style, "dpi": p.dpi}  # laid out at the resolution it is saved at
    plots.save(plots.penalties(l1_ratio=p.l1_ratio, **look), smk.output.penalties, p.dpi)
    split = read_split(smk.input.split, smk.params.expected)
    X, y = plots.example_problem(split, p.degree, p.basis, p.domain)
    traj = plots.trajectory_runs(X, y, p.lambdas)
    figure = plots.trajectories(traj, p.scenario, p.degree, p.basis, **look)
    plots.save(figure, smk.output.trajectories, p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
