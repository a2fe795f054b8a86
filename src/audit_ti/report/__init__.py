"""Outputs of a run: machine-readable findings now, rendered reports with the notebook suite."""
