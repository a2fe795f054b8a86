"""Reading what users hand to the tool: files are checked before a single byte is trusted."""
