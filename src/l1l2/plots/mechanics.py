"""Figures 6, 7 and 8: the penalties, one weight's trajectories, convergence and conditioning.

The solver runs behind figures 7 and 8 live in :mod:`l1l2.plots.experiments`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .analysis import describe_scenario
from .style import (
    BASIS_COLORS,
    METHOD_COLORS,
    MODEL_COLORS,
    MODEL_LABELS,
    attach_data,
    figure_function,
    fmt,
    integer_axis,
    log_lambda_axis,
    tight_layout,
)

_MODEL_MARKERS = {"ols": "o", "ridge": "s", "lasso": "D", "elasticnet": "^"}


def _log_spaced(gap: np.ndarray, count: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """(iteration k = 1.., gap) at about ``count`` log-spaced iterations, first and last kept:
    what a log-scale iteration axis can show."""
    k = np.unique(np.geomspace(1, gap.size, count).round().astype(int))
    return k, gap[k - 1]


@figure_function
def penalties(l1_ratio: float = 0.5, threshold: float = 0.5) -> Figure:
    """Figure 6: the penalties, their (sub)gradients, and what one proximal step does.

    Left: |w|, ½w² and the elastic-net mix ρ|w| + (1−ρ)/2·w². Middle: derivatives sign(w) (with
    the subdifferential [−1, 1] at 0), w, and the mix. Right: the proximal step with step·α = t,
    soft-thresholding S_t(z) = sign(z)·max(|z| − t, 0) for L1 (every |z| ≤ t becomes exactly 0)
    against z/(1 + t) for L2 (a rescaling that never reaches 0).
    """
    w = np.linspace(-2, 2, 801)
    rho = float(l1_ratio)
    c_l1, c_l2, c_en = MODEL_COLORS["lasso"], MODEL_COLORS["ridge"], MODEL_COLORS["elasticnet"]
    fig, (ax_p, ax_g, ax_x) = plt.subplots(ncols=3, figsize=(10.5, 4.0))
    ax_p.plot(w, np.abs(w), color=c_l1, linewidth=2, label="L1: |w|")
    ax_p.plot(w, 0.5 * w**2, color=c_l2, linewidth=2, label="L2: ½w²")
    ax_p.plot(w, rho * np.abs(w) + (1 - rho) / 2 * w**2, color=c_en, linewidth=1.5,
              linestyle="--", label=f"EN (ρ={rho:g}): ρ|w| + (1−ρ)/2·w²")
    ax_p.set_title("penalty R(w)")
    ax_p.set_xlabel("weight w")
    ax_p.set_ylabel("R(w)")
    ax_p.set_ylim(-0.1, 3.2)  # room above the curves' ends (R = 2 at |w| = 2) for the legend
    ax_p.legend(loc="upper center", fontsize=8)

    neg, pos = w < 0, w > 0
    for part in (neg, pos):
        ax_g.plot(w[part], np.sign(w[part]), color=c_l1, linewidth=2)
    ax_g.plot([0, 0], [-1, 1], color=c_l1, linewidth=4, alpha=0.35)
    ax_g.plot(w, w, color=c_l2, linewidth=2)
    for part in (neg, pos):
        ax_g.plot(w[part], rho * np.sign(w[part]) + (1 - rho) * w[part], color=c_en,
                  linewidth=1.5, linestyle="--")
    ax_g.annotate("sign(w) = ±1:\na constant pull", xy=(1.6, 1.0), xytext=(1.0, 0.3),
                  fontsize=8, color=c_l1, arrowprops={"arrowstyle": "->", "color": c_l1})
    ax_g.annotate("at 0: any value\nin [−1, 1]", xy=(0.0, -0.6), xytext=(0.35, -1.6),
                  fontsize=8, color=c_l1, arrowprops={"arrowstyle": "->", "color": c_l1})
    ax_g.annotate("w: the pull fades\nas w → 0", xy=(-0.3, -0.3), xytext=(-1.95, 0.6),
                  fontsize=8, color=c_l2, arrowprops={"arrowstyle": "->", "color": c_l2})
    ax_g.set_title("derivative R′(w) (subgradient for L1)")
    ax_g.set_xlabel("weight w")
    ax_g.set_ylabel("R′(w)")
    ax_g.set_ylim(-2.1, 2.1)

    t = float(threshold)
    ax_x.plot(w, w, color="0.6", linestyle=":", linewidth=1, label="no penalty: z")
    ax_x.plot(w, np.sign(w) * np.maximum(np.abs(w) - t, 0), color=c_l1, linewidth=2,
              label=f"L1: S_t(z), t={t:g}")
    ax_x.plot(w, w / (1 + t), color=c_l2, linewidth=2, label=f"L2: z/(1+t), t={t:g}")
    ax_x.axvspan(-t, t, color=c_l1, alpha=0.08)
    ax_x.text(0, -1.7, "|z| ≤ t → exactly 0", ha="center", fontsize=8, color=c_l1)
    ax_x.set_title("one proximal step (step × α = t)")
    ax_x.set_xlabel("z (after the data term's gradient step)")
    ax_x.set_ylabel("new weight")
    ax_x.legend(loc="upper left", fontsize=8)
    for ax in (ax_p, ax_g, ax_x):
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(0, color="black", linewidth=0.6)
    fig.suptitle("Penalties and their gradients: L1 pulls with constant force and can "
                 "stop at 0; L2's pull vanishes near 0", fontsize=10)
    fig.tight_layout()
    sub = np.sign(w) * np.maximum(np.abs(w) - t, 0)
    return attach_data(fig, pd.DataFrame({
        "w": w, "penalty_l1": np.abs(w), "penalty_l2": 0.5 * w**2,
        "penalty_elasticnet": rho * np.abs(w) + (1 - rho) / 2 * w**2,
        "derivative_l1": np.sign(w), "derivative_l2": w,
        "derivative_elasticnet": rho * np.sign(w) + (1 - rho) * w,
        "prox_l1": sub, "prox_l2": w / (1 + t), "t": t, "l1_ratio": rho,
    }))


@figure_function
def trajectories(
    traj: dict, scenario: str, degree: int, basis: str
) -> Figure:
    """Figure 7: one weight's iterates under L2 gd, L1 subgradient and L1 ISTA.

    Left: the weight against iteration. Right: its absolute value on a log scale, with iterates
    that are exactly 0 on the shaded strip: ISTA lands there and stays; the subgradient method
    walks down in constant steps of step·α and then chatters around 0 (never exactly 0); L2
    shrinks geometrically towards the Ridge solution, which is not 0.
    """
    j = traj["term"]
    labels = {
        "gd": "L2, gradient descent",
        "subgradient": "L1, subgradient (the seed's update)",
        "ista": "L1, proximal step (ISTA)",
    }
    pull = traj["step"] * traj["alpha"]
    fig, (ax, ax_log) = plt.subplots(ncols=2, figsize=(10, 4.8))
    series = {m: h.coef[:, j - 1] for m, h in traj["runs"].items()}
    nonzero = np.concatenate([np.abs(s[s != 0]) for s in series.values()])
    floor = 10 ** (math.floor(math.log10(nonzero.min())) - 1)
    widths = {"gd": 1.6, "ista": 3.2, "subgradient": 1.2}  # ISTA under, subgradient on top
    for method in ("gd", "ista", "subgradient"):
        values = series[method]
        k = np.arange(values.size)
        ax.plot(k, values, color=METHOD_COLORS[method], linewidth=widths[method],
                label=labels[method])
        shown = np.where(values == 0, floor, np.abs(values))
        ax_log.plot(k, shown, color=METHOD_COLORS[method], linewidth=widths[method])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axhline(traj["ridge"], color=METHOD_COLORS["gd"], linestyle=":", linewidth=1)
    ax.set_xlabel(f"iteration k (step {fmt(traj['step'])}, L1 pull per step "
                  f"step·α = {fmt(pull)})")
    ax.set_ylabel(f"weight w_{j} ({basis} term {j}, standardized)")
    ax.set_title(f"w_{j}: dotted = Ridge solution {fmt(traj['ridge'])}; Lasso solution "
                 f"{fmt(traj['lasso'])}", fontsize=9.5)
    notes = []
    ista_zero = np.flatnonzero(series["ista"] == 0)
    if ista_zero.size:
        first = int(ista_zero[0])
        stays = bool((series["ista"][first:] == 0).all())
        notes.append(f"ISTA: exactly 0 from iteration {first}" + (" on" if stays else ""))
    else:
        notes.append("ISTA: never exactly 0 in this run")
    sub = series["subgradient"]
    tail = sub[sub.size // 2:]
    flips = int((np.diff(np.sign(tail)) != 0).sum())
    notes.append(
        f"subgradient, 2nd half: |w| up to {fmt(np.abs(tail).max())}, "
        f"{int((tail == 0).sum())} exact zeros, {flips} sign changes"
    )
    gd = series["gd"]
    notes.append(f"L2: smallest |w| {fmt(np.abs(gd).min())}, never 0")
    ax_log.set_title("\n".join(notes), fontsize=8.5)
    ax_log.set_yscale("log")
    # the strip reaches almost a decade below the exact zeros' line: room for its label
    ax_log.set_ylim(floor / 8, None)
    ax_log.axhspan(floor / 8, floor * 2.5, color="0.85", zorder=0)
    ax_log.annotate("exactly 0", (sub.size * 0.5, floor), xytext=(0, -3),
                    textcoords="offset points", va="top", ha="center", fontsize=8, color="0.25")
    ax_log.set_xlabel("iteration k")
    ax_log.set_ylabel(f"|w_{j}| (log scale)")
    fig.suptitle(
        f"Gradient-descent trajectories of one weight (l1l2.solvers.solve_history) — "
        f"{scenario}, degree {degree}, {basis} basis\n"
        f"all three start at the OLS value {fmt(traj['start'])} with α = "
        f"{fmt(traj['alpha'])}",
        fontsize=10,
    )
    tight_layout(fig, rect=(0, 0.07, 1, 1))
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, frameon=False)
    table = pd.concat([
        pd.DataFrame({"method": m, "iteration": np.arange(s.size), "weight": s})
        for m, s in series.items()
    ], ignore_index=True)
    return attach_data(fig, table.assign(term=j, alpha=traj["alpha"], step=traj["step"],
                                         ridge_solution=traj["ridge"],
                                         lasso_solution=traj["lasso"]))


@figure_function
def convergence(
    runs: Mapping[tuple[str, str], object],
    table: pd.DataFrame,
    scenario: str,
    degree: int,
    alpha: float,
    tol: float,
    max_iter: int,
    n_iter: int = 20_000,
    replicate: int = 0,
) -> Figure:
    """Figure 8: ISTA vs FISTA, Legendre vs monomial, and what λ does to the iterations.

    (a) The Lasso's duality gap against iteration for ISTA and FISTA at ``degree`` and ``alpha``
    in both bases (``runs``, from :func:`l1l2.plots.experiments.lasso_gap_histories` with at
    most ``n_iter`` iterations), with the target gap; a run that ends below the target without
    converging says its certified coefficient bound was not met. (b) The most iterations FISTA
    needed over the λ grid, per degree, basis and model (from ``table``, see
    :func:`l1l2.plots.experiments.conditioning_table`); fits that stopped
    at ``max_iter`` without converging are crosses, and counted in the title. (c) cond(G) per
    degree and basis. (d) Iterations against λ at the highest degree: a larger λ conditions the
    problem (cond(G + αI) = (λ_max + α)/(λ_min + α) for Ridge) and FISTA needs fewer steps.
    """
    present = [m for m in _MODEL_MARKERS if m in set(table["model"])]
    fig, axes = plt.subplots(nrows=2, ncols=2, figsize=(10.5, 9.0))
    (ax_gap, ax_it), (ax_cond, ax_lam) = axes
    for (b, method), res in runs.items():
        k, gap = _log_spaced(res.history.gap)
        if res.converged[0]:
            outcome = f"converged at iteration {int(res.n_iter[0])}"
        elif res.gap[0] <= res.gap_target:  # the gap is met, the coefficient bound is not
            outcome = (f"not converged in {n_iter}: gap met, coefficient bound "
                       f"{res.coef_bound[0]:.1e} > {res.coef_tol:.0e}")
        else:
            outcome = f"not converged in {n_iter} (gap {gap[-1]:.1e})"
        label = f"{method.upper()}, {b}: {outcome}"
        ax_gap.plot(k, np.maximum(gap, 1e-300), color=METHOD_COLORS[method],
                    linestyle="-" if b == "legendre" else "--", label=label)
    target = runs[("legendre", "ista")].gap_target
    ax_gap.axhline(target, color="black", linestyle=":", linewidth=1,
                   label=f"target tol·‖y_c‖²/n = {target:.2g}")
    ax_gap.set_xscale("log")
    ax_gap.set_yscale("log")
    ax_gap.set_ylim(target * 1e-5, None)  # room below the target for runs that end there
    ax_gap.set_xlabel("iteration + 1 (log scale)")
    ax_gap.set_ylabel("duality gap (log scale)")
    ax_gap.set_title(f"(a) ISTA vs FISTA: Lasso, α = {fmt(alpha)}, degree {degree}\n"
                     "each run stops once converged", fontsize=9.5)
    # below the axes: inside, it hid where the runs end (at and below the target)
    ax_gap.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=7.5)

    worst = table.groupby(["basis", "model", "degree"], sort=False).agg(
        n_iter=("n_iter", "max"), failed=("converged", lambda c: int((~c).sum()))
    ).reset_index()
    for (b, model), rows in worst.groupby(["basis", "model"], sort=False):
        rows = rows.sort_values("degree")
        bad = rows["failed"].to_numpy() > 0
        ax_it.plot(rows["degree"], rows["n_iter"], color=BASIS_COLORS[b], linewidth=0.8,
                   alpha=0.7)
        ax_it.plot(rows["degree"][~bad], rows["n_iter"][~bad], linestyle="none",
                   marker=_MODEL_MARKERS[model], ms=4, color=BASIS_COLORS[b])
        ax_it.plot(rows["degree"][bad], rows["n_iter"][bad], linestyle="none", marker="x",
                   ms=8, mew=2, color=BASIS_COLORS[b])
    ax_it.axhline(max_iter, color="0.4", linestyle=":", linewidth=1)
    ax_it.set_yscale("log")
    ax_it.set_ylim(None, max_iter * 6)
    ax_it.text(table["degree"].min(), max_iter * 1.15, f"max_iter = {max_iter}",
               ha="left", va="bottom", fontsize=8, color="0.3")
    counts = table.groupby("basis")["converged"].agg(["sum", "size"])
    summary = "not converged: " + ", ".join(
        f"{b} {int(r['size'] - r['sum'])} of {int(r['size'])}" for b, r in counts.iterrows()
    )
    ax_it.set_xlabel("polynomial degree")
    ax_it.set_ylabel("FISTA iterations, most over the λ grid (log)")
    ax_it.set_title(f"(b) iterations per degree\n{summary}", fontsize=9.5)
    integer_axis(ax_it.xaxis)

    conds = table.drop_duplicates(["basis", "degree"])
    for b, rows in conds.groupby("basis", sort=False):
        ax_cond.plot(rows["degree"], rows["cond_gram"], color=BASIS_COLORS[b], marker="o",
                     ms=3)
        last = rows.sort_values("degree").iloc[-1]
        ax_cond.annotate(f"{last['cond_gram']:.1e}", (last["degree"], last["cond_gram"]),
                         xytext=(-4, 6), textcoords="offset points", ha="right",
                         fontsize=8, color=BASIS_COLORS[b])
    ax_cond.set_yscale("log")
    ax_cond.set_xlabel("polynomial degree")
    ax_cond.set_ylabel("cond(G) = λ_max/λ_min of X_cᵀX_c/n (log)")
    ax_cond.set_title("(c) conditioning of the standardized design", fontsize=9.5)
    integer_axis(ax_cond.xaxis)

    top = table[table["degree"] == table["degree"].max()]
    for (b, model), rows in top.groupby(["basis", "model"], sort=False):
        if model == "ols":
            ax_lam.axhline(rows["n_iter"].iloc[0], color=BASIS_COLORS[b], linestyle="--",
                           linewidth=1)
            continue
        rows = rows.sort_values("lambda")
        ok = rows["converged"].to_numpy()
        ax_lam.plot(rows["lambda"], rows["n_iter"].clip(lower=1), color=BASIS_COLORS[b],
                    linewidth=0.8, marker=_MODEL_MARKERS[model], ms=3.5)
        ax_lam.plot(rows["lambda"][~ok], rows["n_iter"][~ok], linestyle="none",
                    marker="x", ms=8, mew=2, color=BASIS_COLORS[b])
    ax_lam.set_yscale("log")
    log_lambda_axis(ax_lam)
    ax_lam.set_ylabel("FISTA iterations (log)")
    ax_lam.set_title(f"(d) iterations vs λ at degree {int(top['degree'].max())}\n"
                     "dashed: OLS; 0 iterations drawn at 1", fontsize=9.5)

    handles = [
        Line2D([], [], color=BASIS_COLORS[b], linewidth=2, label=f"{b} basis")
        for b in BASIS_COLORS
    ] + [
        Line2D([], [], color="0.3", marker=_MODEL_MARKERS[m], linestyle="none",
               label=MODEL_LABELS[m])
        for m in present
    ] + [Line2D([], [], color="0.3", marker="x", mew=2, linestyle="none", ms=8,
                label="not converged (stopped at max_iter)")]
    fig.suptitle(
        f"Convergence and conditioning — {describe_scenario(scenario)}\n"
        f"replicate {replicate}'s training rows; FISTA with tol {tol:g}, "
        f"coef_tol {runs[('legendre', 'fista')].coef_tol:g}, max_iter {max_iter}",
        fontsize=10,
    )
    tight_layout(fig, rect=(0, 0.05, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    histories = pd.concat([
        pd.DataFrame(dict(zip(("iteration", "gap"), _log_spaced(res.history.gap), strict=True)))
        .assign(panel="a", basis=b, method=method, gap_target=res.gap_target)
        for (b, method), res in runs.items()
    ])
    panels = [histories, worst.assign(panel="b"), conds.assign(panel="c"), top.assign(panel="d")]
    return attach_data(fig, pd.concat(panels, ignore_index=True).assign(scenario=scenario))
