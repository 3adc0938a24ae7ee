"""Replay of historic cases under two policies."""
