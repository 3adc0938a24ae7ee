"""Bundled override files (YAML): regional days and corrections, each naming its notice."""
