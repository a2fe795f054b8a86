"""The recommendations of the national study « Territoire intelligent et donnée publique » a use case touches.

Each entry keeps the study's number and a short sentence of our own (not the study's wording);
``recommendations_for`` adds, from the run's results, why this use case touches it.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.report.views import RunResults
from audit_ti.text import french_number

__all__ = ["STUDY", "STUDY_TITLE", "StudyRecommendation", "recommendations_for"]

STUDY_TITLE = "Territoire intelligent et donnée publique"


class StudyRecommendation(StrictModel):
    """A numbered recommendation of the study, in plain words, and why the use case touches it."""

    number: int = Field(alias="numero", ge=1)
    topic: str = Field(alias="theme")
    text: str = Field(alias="texte")
    why: str = Field(alias="pourquoi")
    coverage: str = Field(alias="couverture", description="Où audit-ti y répond.")


def _sensors(results: RunResults) -> str:
    gateways = len(results.cyber.gateways) if results.cyber is not None else 0
    kinds = len(results.notice.sensors) if results.notice is not None else 0
    if gateways or kinds:
        return f"{gateways} passerelle(s) et {kinds} type(s) de capteurs"
    return "des capteurs et des passerelles"


def _sobriety(results: RunResults) -> str:
    return f"{_sensors(results).capitalize()} : chacun consomme, s'entretient et produit des données à stocker."


def _inclusion(results: RunResults) -> str:
    inclusion = results.inclusion
    if inclusion is None:
        return "Le risque d'exclusion n'a pas été évalué : on ne sait pas qui le service pourrait laisser de côté."
    publics = [public for public in inclusion.residents.publics if public.concerned]
    known = [public for public in publics if public.residents is not None]
    largest = max(known, key=lambda public: public.residents or 0, default=None)
    detail = ""
    if largest is not None and largest.residents is not None:
        count = french_number(largest.residents, ",")
        detail = f", dont {largest.title.lower()} (environ {count} habitants)"
    return (
        f"L'évaluation d'inclusion classe le service au niveau {inclusion.level.value} "
        f"({inclusion.level_title.lower()}) ; {len(publics)} public(s) exposé(s){detail}."
    )


def _hosting(results: RunResults) -> str:
    aipd = results.aipd
    if aipd is None or aipd.hosting is None:
        return (
            "L'hébergement des données n'est pas encore choisi : c'est la sensibilité des données qui doit le décider."
        )
    return f"L'AIPD recommande, pour ces données : {aipd.hosting}"


def _cyber_audit(results: RunResults) -> str:
    cyber = results.cyber
    if cyber is None:
        return "Les passerelles n'ont pas encore été auditées : l'audit doit précéder le déploiement."
    state = "" if cyber.complete else " (scan incomplet, à refaire)"
    return (
        f"{len(cyber.gateways)} passerelle(s) auditée(s){state} ; conclusion : {cyber.use_case.verdict.label.lower()}."
    )


def _signage(results: RunResults) -> str:
    notice = results.notice
    if notice is None:
        return "L'information du public sur les capteurs n'a pas été préparée."
    rest = f" ; {len(notice.missing)} rubrique(s) à compléter" if notice.missing else ""
    return f"Une information du public est prête pour {len(notice.sensors)} type(s) de capteurs{rest}."


def _accountability(_results: RunResults) -> str:
    return "Cette synthèse dit aux habitants pourquoi le service est déployé et ce que l'audit a conclu."


def _indicators(results: RunResults) -> str:
    follow_up = results.follow_up
    if follow_up is None:
        return "Les indicateurs d'évaluation n'ont pas pu être lus dans cette exécution."
    if not follow_up.indicators:
        return "Aucun indicateur d'évaluation n'est déclaré : à fixer avant de déployer."
    return f"{len(follow_up.indicators)} indicateur(s) déclaré(s), avec cible et échéance."


def _labels(results: RunResults) -> str:
    follow_up = results.follow_up
    if follow_up is None:
        return "Les labels et qualifications des produits n'ont pas pu être lus dans cette exécution."
    held = {row.subject for row in follow_up.qualifications if not row.expired}
    if not held:
        return "Aucun label ni aucune qualification en cours de validité n'est déclaré."
    total = len(held) + len(follow_up.without_qualification)
    return f"{len(held)} équipement(s) ou hébergement sur {total} déclare(nt) un label ou une qualification valide."


def _open_data(_results: RunResults) -> str:
    return "synthese.json et actions.csv sont publiables : ni adresse, ni preuve technique."


#: number, topic, our sentence, where audit-ti answers it, why the use case touches it.
STUDY: tuple[tuple[int, str, str, str, Callable[[RunResults], str]], ...] = (
    (
        3,
        "Sobriété",
        "N'installer que les capteurs utiles, et mesurer ce qu'ils consomment et stockent.",
        "Synthèse pour les élus (nombre de passerelles et de types de capteurs) ; taille des rapports mesurée.",
        _sobriety,
    ),
    (
        4,
        "Inclusion et canaux hybrides",
        "Garder, à côté du numérique, un accès humain ou papier pour chaque démarche.",
        "Audit d'inclusion : critères pondérés, alternative non numérique bloquante, habitants concernés, "
        "genre et discriminations.",
        _inclusion,
    ),
    (
        19,
        "Hébergement",
        "Choisir où sont hébergées les données selon leur sensibilité.",
        "AIPD : hébergement recommandé selon la sensibilité, localisation exigée pour les données sensibles.",
        _hosting,
    ),
    (
        20,
        "Audit de cybersécurité",
        "Faire auditer la sécurité des équipements avant de les déployer.",
        "Audit de cybersécurité des passerelles (scans nmap, grille d'hygiène) ; code de sortie qui bloque un "
        "déploiement planifié.",
        _cyber_audit,
    ),
    (
        32,
        "Information du public",
        "Signaler les capteurs dans l'espace public et ce qu'ils collectent.",
        "Information du public sur les capteurs, prête à afficher (information-public.md).",
        _signage,
    ),
    (
        33,
        "Données ouvertes",
        "Publier en données ouvertes ce qui peut l'être.",
        "synthese.json et actions.csv, publiables : ni adresse ni preuve technique.",
        _open_data,
    ),
    (
        36,
        "Évaluation",
        "Fixer avant le déploiement les indicateurs d'évaluation du service.",
        "Indicateurs déclarés dans le fichier d'audit, repris dans la synthèse et dans suivi.json.",
        _indicators,
    ),
    (
        38,
        "Transparence",
        "Rendre compte aux habitants des choix faits et de leurs raisons.",
        "Synthèse pour les élus, écrite pour être présentée et publiée ; information du public.",
        _accountability,
    ),
    (
        48,
        "Labels et qualifications",
        "Préférer des produits et un hébergement qualifiés (CSPN, SecNumCloud).",
        "Labels et qualifications déclarés par passerelle et pour l'hébergement, avec leur validité ; question "
        "« produits qualifiés » de la grille.",
        _labels,
    ),
)


def recommendations_for(results: RunResults) -> tuple[StudyRecommendation, ...]:
    """The study's recommendations, each with why this run's use case touches it."""
    return tuple(
        StudyRecommendation(number=number, topic=topic, text=text, coverage=coverage, why=why(results))
        for number, topic, text, coverage, why in STUDY
    )
