"""Experiments that measure whether a technique helps, each a module with `main(argv) -> int`."""
