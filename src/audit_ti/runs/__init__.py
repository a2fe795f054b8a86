"""Runs: the run folder and its manifest, the steps, and the cyber and impact pipelines."""
