"""Dataset loaders, eval runners (live and replay), metrics and reports."""
