"""Write results/manifest.tsv (path, sha256, bytes), results/provenance.json and its HTML view."""

from l1l2.provenance import (
    find_outputs,
    provenance,
    provenance_html,
    write_manifest,
    write_provenance,
)

from _runner import run


def main(smk):
    p = smk.params
    write_manifest(find_outputs(p.patterns, p.wildcard_values), smk.output.manifest)
    # The workflow's own folder (its git checkout), wherever it lives: in-place or used as a module.
    record = provenance(p.config, smk.scriptdir)
    write_provenance(record, smk.output.provenance)
    with open(smk.output.html, "w", newline="\n") as out:
        out.write(provenance_html(record))


run(main, snakemake)  # noqa: F821 - injected by Snakemake
