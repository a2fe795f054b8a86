"""Cameras in public space: blocking until the authorisation or the legal text is documented.

Vidéoprotection on the public road needs the prefect's authorisation (Code de la sécurité
intérieure, art. L251-1 and following). For « augmented » cameras, the CNIL's position of July 2022
is that, without a specific legal text, only anonymised statistics with no immediate operational
use are possible, and people keep a right to object. Automatic number-plate reading needs a text.
"""

from __future__ import annotations

from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.cameras import AnalysisUse

__all__ = ["camera_problems"]


def camera_problems(answers: AipdAnswers, referential: AipdReferential) -> tuple[str, ...]:
    """The blocking findings of the camera question: each framework whose document is missing."""
    cameras, rules = answers.cameras, referential.cameras
    if cameras is None or rules is None:
        return ()
    problems = []
    if cameras.public_space_video and cameras.prefectoral_authorisation is None:
        problems.append(
            f"Caméras sur la voie publique sans autorisation préfectorale documentée : {rules.videoprotection}"
        )
    if cameras.plate_reading and cameras.legal_basis is None:
        problems.append(f"Lecture automatisée des plaques sans texte qui l'autorise : {rules.plate_reading}")
    if cameras.analysis is AnalysisUse.OPERATIONAL and cameras.legal_basis is None:
        problems.append(f"Caméras « augmentées » à usage opérationnel sans texte qui l'autorise : {rules.augmented}")
    if cameras.analysis is not AnalysisUse.NONE and cameras.right_to_object is None:
        problems.append(f"Analyse des images sans modalité du droit d'opposition : {rules.right_to_object}")
    return tuple(problems)
