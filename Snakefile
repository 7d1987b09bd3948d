"""l1l2: L1 (Lasso) and L2 (Ridge) regularization on noisy polynomial regression.

Run the default study with a bare `snakemake` (profiles/default sets cores and the rest);
build the report with `snakemake --report results/report.html`. See README.md.
"""

import gc

# Snakemake has imported ~1,500 modules by now; Python's cyclic garbage collector would walk all
# their objects again at each full collection while this file and the DAG are built, and once
# more when the interpreter exits (0.3-0.5 CPU-s of a ~1.5 s no-change rerun, most of it at exit:
# benchmarks/rerun.py, "no gc.freeze"). They live as long as the process anyway: leave them out
# of it. (Objects made from here on are collected as usual.)
gc.freeze()


# config/config.yaml, then --configfile files, then --config: read strictly, validated, and
# refused before any job if the study exceeds its size budget (config/README.md).
include: "workflow/rules/config.smk"
include: "workflow/rules/common.smk"


# Exactly the study's names: a scenario name holds '.', which a regular expression reads as any
# character unless escaped (sine_sd0x2_n60 would match sine_sd0.2_n60).
wildcard_constraints:
    scenario=one_of(SCENARIOS),
    model=one_of(MODELS),


include: "workflow/rules/data.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/overview.smk"
include: "workflow/rules/provenance.smk"


rule all:
    default_target: True
    input:
        final_outputs(),


refuse_report_without_results(final_outputs())
