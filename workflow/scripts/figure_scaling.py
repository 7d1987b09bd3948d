"""Show the scaling measured by benchmarks/scaling.py (kept in workflow/report/) in the report."""

import shutil

from _runner import run


def main(smk):
    shutil.copyfile(smk.params.figure, smk.output[0])


run(main, snakemake)  # noqa: F821 - injected by Snakemake
