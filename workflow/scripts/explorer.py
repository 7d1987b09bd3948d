"""The interactive explorer (degree and λ sliders) of the scenario where OLS overfits most: a
self-contained page, and the same chart as a Vega specification for the report's overview."""


from l1l2.data import Scenario
from l1l2.explorer import (
    cv_blowup_note,
    explorer_chart,
    explorer_tables,
    write_explorer,
    write_vega_spec,
)
from l1l2.overview import lead_scenario, representative_replicate, scenario_order
from l1l2.tables import read_metrics, read_split

from _runner import read_csv, run


def main(smk):
    p = smk.params
    scenarios = {name: Scenario(*values) for name, values in p.scenarios.items()}
    metrics = read_metrics(smk.input.metrics, p.fits)
    lead = lead_scenario(metrics, scenario_order(scenarios, p.functions))
    index = list(p.scenarios).index(lead)
    split = read_split(smk.input.splits[index], p.expected[lead])
    coefs = {
        model: read_csv(smk.input.coefs[index * len(p.models) + i])
        for i, model in enumerate(p.models)
    }
    rows = metrics[metrics["scenario"] == lead]
    # the replicate with the median OLS test error at the largest degree, as in the animation
    shown = representative_replicate(metrics, lead)
    tables = explorer_tables(
        split, coefs, rows, scenarios[lead].function, p.basis, p.domain, replicate=shown
    )
    # start at the largest degree, at Ridge's CV choice of λ there (that replicate) when fitted
    degree = int(rows["degree"].max())
    start = rows[(rows["degree"] == degree) & (rows["replicate"] == shown) & (rows["lambda"] > 0)]
    preferred = start[start["model"] == "ridge"] if (start["model"] == "ridge").any() else start
    lam = float(preferred.loc[preferred["cv_mse"].idxmin(), "lambda"]) if len(preferred) else 1.0
    info = scenarios[lead]
    median = "median" if rows["replicate"].nunique() % 2 else "lower median"
    title = (
        f"Interactive explorer — {lead}: noise sd {info.noise_sd:g}, n = {info.n_samples}, "
        f"replicate {shown} (the {median} one), {p.basis} basis (sliders: degree and log10 λ)"
    )
    note = cv_blowup_note(tables["errors"], split, replicate=shown)
    chart = explorer_chart(
        tables, title, p.basis, p.models, p.lambdas, degree, lam, note, replicate=shown
    )
    write_explorer(chart, smk.output.html)
    write_vega_spec(chart, smk.output.spec)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
