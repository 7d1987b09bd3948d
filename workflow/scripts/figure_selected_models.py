"""Figure 0: every model at its CV-selected (degree, λ) in every scenario, and its numbers."""


from l1l2 import plots
from l1l2.data import Scenario
from l1l2.overview import selected_errors

from _runner import read_csv, run


def main(smk):
    p = smk.params
    scenarios = {name: Scenario(*values) for name, values in p.scenarios.items()}
    per_replicate = read_csv(smk.input.selection)
    table = selected_errors(per_replicate, scenarios, p.functions, p.models, rule=p.rule)
    table.to_csv(smk.output.table, index=False)
    figure = plots.selected_models(table, p.models, p.basis, style=p.style, dpi=p.dpi)
    plots.save(figure, smk.output.figure, p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
