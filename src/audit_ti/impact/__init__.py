"""Impact assessments: the AIPD and digital inclusion, computed from referentials as data."""
