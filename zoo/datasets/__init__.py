"""Datasets that ship inside installed packages, loaded without a network."""
