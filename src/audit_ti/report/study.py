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


def _sensors(results: RunResults) -> str:
    gateways = len(results.cyber.gateways) if results.cyber is not None else 0
    kinds = len(results.notice.sensors) if results.notice is not None else 0
    if gateways or kinds:
        return f"{gateways} passerelle(s) et {kinds} type(s) de capteurs"
    return "des capteurs et des passerelles"


def _sobriety(results: RunResults) -> str:
    return (
        f"Le cas d'usage installe {_sensors(results)} : chaque équipement consomme de l'énergie, "
        "doit être entretenu et produit des données qu'il faudra stocker."
    )


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
    rest = f" ; reste à compléter : {', '.join(notice.missing)}" if notice.missing else ""
    return f"Une information du public est prête pour {len(notice.sensors)} type(s) de capteurs{rest}."


def _accountability(_results: RunResults) -> str:
    return (
        "Les habitants concernés doivent pouvoir savoir pourquoi le service est déployé, ce qu'il collecte et "
        "ce que l'audit a conclu : cette synthèse est écrite pour être présentée et publiée."
    )


def _open_data(_results: RunResults) -> str:
    return (
        "La synthèse (synthese.json) et la liste des actions (actions.csv) sont des données ouvertes : elles ne "
        "contiennent ni adresse, ni preuve technique ; les constats détaillés restent internes."
    )


#: number, topic, our sentence, why the use case touches it.
STUDY: tuple[tuple[int, str, str, Callable[[RunResults], str]], ...] = (
    (3, "Sobriété", "N'installer que les capteurs utiles, et mesurer ce qu'ils consomment et stockent.", _sobriety),
    (
        4,
        "Inclusion et canaux hybrides",
        "Garder, à côté du numérique, un accès humain ou papier pour chaque démarche.",
        _inclusion,
    ),
    (19, "Hébergement", "Choisir où sont hébergées les données selon leur sensibilité.", _hosting),
    (20, "Audit de cybersécurité", "Faire auditer la sécurité des équipements avant de les déployer.", _cyber_audit),
    (32, "Information du public", "Signaler les capteurs dans l'espace public et dire ce qu'ils collectent.", _signage),
    (33, "Données ouvertes", "Publier en données ouvertes ce que le projet produit et qui peut l'être.", _open_data),
    (38, "Transparence", "Rendre compte aux habitants des choix faits et de leurs raisons.", _accountability),
)


def recommendations_for(results: RunResults) -> tuple[StudyRecommendation, ...]:
    """The study's recommendations, each with why this run's use case touches it."""
    return tuple(
        StudyRecommendation(number=number, topic=topic, text=text, why=why(results))
        for number, topic, text, why in STUDY
    )
