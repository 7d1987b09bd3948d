"""Colours and names shared by every figure and table (no matplotlib: the summary table and the
overview use them without drawing)."""

#: One colour per model, the same in every figure.
MODEL_COLORS = {"ols": "#4d4d4d", "ridge": "#1f77b4", "lasso": "#d62728", "elasticnet": "#9467bd"}
MODEL_LABELS = {
    "ols": "OLS",
    "ridge": "Ridge (L2)",
    "lasso": "Lasso (L1)",
    "elasticnet": "Elastic Net",
}
#: Models with a penalty, in display order.
PENALIZED = ("ridge", "lasso", "elasticnet")
#: Colours of the optimization methods (figures 7 and 8).
METHOD_COLORS = {"gd": "#1f77b4", "subgradient": "#ff7f0e", "ista": "#d62728", "fista": "#17becf"}
#: Colours of the two bases (figure 8).
BASIS_COLORS = {"legendre": "#2ca02c", "monomial": "#8c564b"}
LAMBDA_LABEL = "λ (penalty strength α, log scale)"
