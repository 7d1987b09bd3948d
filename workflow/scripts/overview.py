"""The report's landing page: the post's claims, measured on this run, beside their figures."""


from pathlib import Path

from l1l2 import plots
from l1l2.data import Scenario, get_true_function
from l1l2.overview import claims_table, measure_claims, render_overview
from l1l2.tables import read_metrics, read_split

from _runner import read_csv, run


def study_sentence(p, scenarios) -> str:
    functions = ", ".join(p.functions)
    noise = ", ".join(f"{v:g}" for v in p.noise_sd)
    sizes = ", ".join(str(v) for v in p.n_samples)
    models = ", ".join({"ols": "OLS", "ridge": "Ridge", "lasso": "Lasso",
                        "elasticnet": "Elastic net"}.get(m, m) for m in p.models)
    return (
        f"{len(scenarios)} scenarios (true functions {functions}; noise sd {noise}; "
        f"n = {sizes}), {p.replicates} replicates each. {models} fitted at degrees "
        f"{p.degrees[0]}–{p.degrees[-1]} in the {p.basis} basis over {len(p.lambdas)} values of λ "
        f"from {min(p.lambdas):g} to {max(p.lambdas):g}, by the project's gradient-descent "
        "solver, cross-checked against scikit-learn."
    )


def main(smk):
    p, inp = smk.params, smk.input
    scenarios = {name: Scenario(*values) for name, values in p.scenarios.items()}
    names = list(p.scenarios)
    metrics = read_metrics(inp.metrics, p.fits)
    per_replicate = read_csv(inp.selection)
    split = read_split(inp.example_split, smk.params.expected)
    X, y = plots.example_problem(split, p.example_degree, p.basis, p.domain)
    trajectory = plots.trajectory_runs(X, y, p.penalized_lambdas)
    claims = measure_claims(metrics, per_replicate, scenarios, p.functions, p.models, trajectory)
    claims_table(claims).to_csv(smk.output.claims, index=False)

    lead = names.index(claims["lead"])
    sparse = [i for i, s in enumerate(names) if get_true_function(scenarios[s].function).support]
    coef_index = sparse[0] if sparse else lead
    images = {
        "animation": inp.animations[lead],
        "error_vs_degree": inp.error_vs_degree[lead],
        "error_vs_lambda": inp.error_vs_lambda[lead],
        "coef_paths": inp.coef_paths[coef_index],
        "trajectories": inp.trajectories,
        "selected_models": inp.selected_models,
    }
    html = render_overview(
        claims,
        images,
        study_sentence(p, scenarios),
        p.basis,
        coef_scenario=names[coef_index],
        explorer=Path(inp.explorer_spec).read_text(encoding="utf-8"),
        explorer_scenario=claims["lead"],
    )
    with open(smk.output.html, "w", encoding="utf-8") as handle:
        handle.write(html)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
