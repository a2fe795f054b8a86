"""Files in and out of the CNIL PIA software."""
