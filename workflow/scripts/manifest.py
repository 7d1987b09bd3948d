"""Write results/manifest.tsv (path, sha256, bytes) and results/provenance.json."""

import json

from l1l2.provenance import provenance, write_manifest

from _runner import run


def main(smk):
    p = smk.params
    write_manifest(p.roots, smk.output.manifest)
    with open(smk.output.provenance, "w") as out:
        json.dump(provenance(p.config, p.workflow_dir), out, indent=2, sort_keys=True)
        out.write("\n")


run(main, snakemake)  # noqa: F821 - injected by Snakemake
