import os
import shutil
import sys
import tempfile

import yaml

from l1l2.budget import estimate
from l1l2.config import ConfigError, load_config_file, read_config

# The study's configuration: config/config.yaml, then every --configfile, then --config, each read
# again here by l1l2's strict reader (duplicate keys, YAML tags, NaN/inf and bad YAML refused by
# key or line; --config values parsed as YAML), validated against the schema and the size budget,
# all before any job runs and with one line per problem (docs/promises.md, "Bad configuration").
_STUDY_CONFIG = "config/config.yaml"
# The schema ships with the workflow: found beside this file, also in module use.
_SCHEMA = workflow.source_path("../schemas/config.schema.yaml")
# Configs that passed the schema before, by a digest of config, schema and validator: an unchanged
# config is not validated again (l1l2.config.schema_problems). Git-ignored, like .snakemake/.
_VALID_CONFIGS = ".snakemake/l1l2/valid-configs.json"


def _study_config():
    """The validated config (schema defaults filled in), or one line per problem."""
    # Snakemake's order: the `configfile:` directive's file, then --configfile files (which
    # workflow.configfiles lists first), then --config; --replace-workflow-config drops the first.
    overrides = list(workflow.overwrite_configfiles)
    files = [f for f in workflow.configfiles if f not in overrides]
    if workflow.config_settings.replace_workflow_config:
        files = []
    files += overrides
    args = workflow.config_settings.config_args or []
    try:
        with open(_SCHEMA, encoding="utf-8") as handle:
            # libyaml's parser where PyYAML has it: the same data, 5x faster than pure Python.
            schema = yaml.load(
                handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            )
        study, problems = read_config(
            files,
            [args] if isinstance(args, str) else args,
            schema,
            cache=_VALID_CONFIGS,
        )
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None
    if problems:
        raise WorkflowError("invalid configuration:\n  " + "\n  ".join(problems))
    return study


#: Below this, Snakemake cannot even write its lock files (it fails with a traceback).
_MIN_FREE_BYTES = 2**20


def _writable_workdir(needed):
    """Snakemake writes .snakemake/, data/, results/ and logs/ here: refuse early if it cannot."""
    try:
        os.makedirs(".snakemake", exist_ok=True)
        with tempfile.TemporaryFile(dir=".snakemake"):
            pass
        free = shutil.disk_usage(".").free
    except OSError as exc:
        raise WorkflowError(
            f"working directory {os.getcwd()} is not writable ({exc.strerror}); run l1l2 "
            "from a writable directory (snakemake --directory DIR)"
        ) from None
    if free < _MIN_FREE_BYTES:
        raise WorkflowError(
            f"working directory {os.getcwd()}: its disk is full ({free} bytes free); free "
            f"some space (this config writes about {needed:.3g} bytes) and run again"
        )


# A bad config/config.yaml is reported by line before the `configfile:` directive reads it.
if os.path.exists(_STUDY_CONFIG):
    try:
        load_config_file(_STUDY_CONFIG)
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None


configfile: _STUDY_CONFIG


_study = _study_config()
config.clear()
config.update(_study)
_writable_workdir(estimate(config)["output_bytes"])


def refuse_report_without_results(outputs):
    """`snakemake --report` needs a finished run: say so in one line instead of 35 warnings."""
    if not any(arg == "--report" or arg.startswith("--report=") for arg in sys.argv):
        return
    missing = [path for path in outputs if not os.path.exists(path)]
    if missing:
        raise WorkflowError(
            f"no finished run to report on: {missing[0]} and {len(missing) - 1} other "
            "output(s) of this config are missing; run `snakemake` first, then "
            "`snakemake --report results/report.html`"
        )
