"""Shared entry point of the workflow scripts: logging, and errors as one clear line.

A script defines ``main(smk)`` and ends with ``run(main, snakemake)``. Expected failures (bad data,
an invalid value: ``ValueError`` and friends) are printed as a single line naming the rule and the
cause; the full traceback goes to the rule's log only. The non-zero exit makes Snakemake delete
the job's outputs, so no partial file is left behind.

Test-only fault switch: with ``L1L2_FAULT_INJECT=<rule name>`` in the environment, that rule's jobs
fail right after writing their outputs (tests/test_promises.py checks that Snakemake then removes
them). Nothing in the workflow or the config sets it.
"""

import logging
import os
import resource
import signal
import sys
import traceback
import warnings

FAULT_SWITCH = "L1L2_FAULT_INJECT"


def read_csv(path, **kwargs):
    """``pandas.read_csv``; a file that cannot be parsed is a ``ValueError`` naming the file."""
    import pandas as pd

    try:
        return pd.read_csv(path, **kwargs)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable CSV table ({type(exc).__name__}: {exc})") from exc


def cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def peak_memory_mb():
    """Peak resident memory of this process since it started, in MB.

    Linux keeps ``ru_maxrss`` across ``execve``: a job forked from Snakemake would report
    Snakemake's own high-water mark (~140 MB) whenever its own peak is lower. ``VmHWM`` in
    /proc/self/status belongs to the job's own address space; ``ru_maxrss`` only where that
    file does not exist (not Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def usage(rule, startup_cpu):
    """This job's CPU seconds (all, and before ``main``: interpreter, Snakemake's preamble and the
    script's imports), peak memory and wall seconds since its process started, as one log line
    (benchmarks/pipeline.py reads it):
    ``rule=fit cpu_s=1.23 startup_cpu_s=0.61 max_rss_mb=95.1 wall_s=1.50``."""
    line = (
        f"rule={rule} cpu_s={cpu_seconds():.3f} startup_cpu_s={startup_cpu:.3f} "
        f"max_rss_mb={peak_memory_mb():.1f}"
    )
    try:  # Linux: field 22 of /proc/self/stat is the start time, in clock ticks since boot
        with open("/proc/self/stat", encoding="ascii") as handle:
            started = int(handle.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime", encoding="ascii") as handle:
            line += f" wall_s={float(handle.read().split()[0]) - started:.3f}"
    except (OSError, ValueError, IndexError):
        pass
    return line


def run(main, smk):
    startup = cpu_seconds()
    label = f"rule {smk.rule}" + "".join(f", {k}={v}" for k, v in smk.wildcards.items())
    try:
        # Jobs start with SIGINT blocked (workflow/rules/common.smk): a Ctrl-C during the imports
        # is pending, and arrives here, inside this try, instead of as an import's traceback.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        _run(main, smk, label, startup)
    except KeyboardInterrupt:  # Ctrl-C reaches every job of the run: one line, not a traceback
        print(f"l1l2: {label} interrupted; run snakemake again to finish", file=sys.stderr)
        sys.exit(130)
    if main.__module__ == "__main__":  # the script is the job's process: end it now
        _exit()


def _exit():
    """End a finished job's process without the interpreter's teardown.

    The outputs are written and closed when ``main`` returns (every writer in the scripts and the
    library closes its file); the teardown that follows only frees the imported modules object by
    object: ~0.07 CPU-s with pandas, ~0.3 CPU-s with scikit-learn, per job, after the resources
    line, so Snakemake's side of benchmarks/pipeline.py counted it. Logs and the standard streams
    are flushed first.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def _run(main, smk, label, startup):
    log_path = smk.log[0] if smk.log else None
    handlers = [logging.FileHandler(log_path, mode="w")] if log_path else []
    logging.basicConfig(
        level=logging.INFO,
        handlers=handlers or None,
        force=True,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    # A log that cannot be written (a full disk) must not put logging's own tracebacks on the
    # console: the failure itself (OSError: No space left on device) is reported in one line below.
    logging.raiseExceptions = False
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    try:
        main(smk)
        logging.info("resources: %s", usage(smk.rule, startup))
        if os.environ.get(FAULT_SWITCH) == smk.rule:
            raise RuntimeError(f"fault injected by {FAULT_SWITCH} after the outputs were written")
    except Exception as exc:  # noqa: BLE001 - every failure is reported, then re-signalled by exit
        logging.error("%s failed:\n%s", label, traceback.format_exc())
        logged = log_path and os.path.exists(log_path) and os.path.getsize(log_path) > 0
        print(
            f"l1l2 error in {label}: {type(exc).__name__}: {exc}"
            + (f" (details: {log_path})" if logged else ""),
            file=sys.stderr,
        )
        sys.exit(1)
