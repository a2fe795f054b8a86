"""The one-page public notice about the sensors (``results/information-public.json``)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from audit_ti.models.base import StrictModel

__all__ = ["NoticeSection", "NoticeSensor", "PublicNotice"]


class NoticeSensor(StrictModel):
    """A kind of sensor, in plain words."""

    kind: str = Field(alias="type")
    count: int | None = Field(alias="nombre")
    where: str = Field(alias="emplacement")
    collects: str = Field(alias="donnees_collectees")
    personal: bool = Field(alias="donnees_personnelles")


class NoticeSection(StrictModel):
    """A titled paragraph of the notice."""

    title: str = Field(alias="titre")
    text: str = Field(alias="texte")


class PublicNotice(StrictModel):
    """« Information du public » about the sensors of a use case, as data the report renders."""

    case: str = Field(alias="cas")
    title: str = Field(alias="titre")
    authority: str = Field(alias="collectivite")
    updated_on: date = Field(alias="mise_a_jour")
    personal_data: bool | None = Field(
        alias="donnees_personnelles", description="None tant que les capteurs ne sont pas décrits."
    )
    sensors: tuple[NoticeSensor, ...] = Field(alias="capteurs")
    sections: tuple[NoticeSection, ...]
    missing: tuple[str, ...] = Field(alias="a_completer", description="Ce que le fichier d'audit ne dit pas encore.")
