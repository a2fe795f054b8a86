"""Fine-grained consumption curves of communicating meters: only with the resident's consent.

The CNIL's recommendation on communicating meters (délibération n° 2012-404) keeps the daily index
as the default and allows a finer curve (the load curve) only with the subscriber's consent: an
hourly index reveals presence and absence at home.
"""

from __future__ import annotations

from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.aipd_referential import AipdReferential

__all__ = ["metering_problems"]


def metering_problems(answers: AipdAnswers, referential: AipdReferential) -> tuple[str, ...]:
    """A blocking finding when meters are read finely on a basis other than those the rule admits."""
    reading, rule = answers.meter_reading, referential.meters
    if reading is None or rule is None:
        return ()
    if reading.frequency not in rule.fine_frequencies or reading.legal_basis in rule.bases_for_fine:
        return ()
    admitted = " ou ".join(basis.label for basis in rule.bases_for_fine)
    return (
        f"Index des compteurs relevé {reading.frequency.label}, sur la base « {reading.legal_basis.label} ». "
        f"{rule.text} Base admise pour une collecte aussi fine : {admitted} ; par défaut, relevé "
        f"{rule.default_frequency.label}.",
    )
