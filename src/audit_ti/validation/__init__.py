"""Rules that span several keys or files, and the one entry point that prepares an audit for a run."""
