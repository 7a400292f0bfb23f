"""The ``tool`` command line: argument parsing and printing only; the work lives in ``schema``."""
