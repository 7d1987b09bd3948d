"""l1l2: exact gradient-descent solvers and a reproducible study of L1 and L2 regularization."""

__version__ = "0.1.0"
