"""Provers behind the registry: one module per backend."""
