"""Declarative rulesets shipped with onetrip, one folder per department."""

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
