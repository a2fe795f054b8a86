"""Network scans: nmap runs, raw evidence, parsed facts."""
