"""Thin command line: parses arguments, calls the library, prints French tables and messages."""
