"""The one-page public notice about the sensors (study's recommendations n°32 and n°38).

Built from the audit file: the use case, the ``aipd.information_public`` block and, where that
block is silent, the gateways. What the audit does not say yet is listed under ``a_completer``
rather than invented.
"""

from __future__ import annotations

from audit_ti.models.aipd import PublicInformation
from audit_ti.models.audit import Audit
from audit_ti.models.public_notice import NoticeSection, NoticeSensor, PublicNotice

__all__ = ["build_public_notice", "render_markdown"]

_TO_COMPLETE = "À compléter par la collectivité."


def build_public_notice(audit: Audit, case: str) -> PublicNotice:
    """The public notice of a use case, as data."""
    info = audit.aipd.public_information or PublicInformation()
    use_case = audit.use_case
    sensors = tuple(
        NoticeSensor(kind=s.kind, count=s.count, where=s.where, collects=s.collects, personal=s.personal)
        for s in info.sensors
    ) or tuple(
        NoticeSensor(
            kind=gateway.device_model,
            count=None,
            where=gateway.location or "emplacement non précisé",
            collects=_TO_COMPLETE,
            personal=False,
        )
        for gateway in audit.gateways
    )
    missing = [label for label, value in _required(info) if not value]
    # Without declared sensors nobody has said what is collected: the notice must not guess.
    personal = any(sensor.personal for sensor in sensors) if info.sensors else None
    controller = info.controller or use_case.authority
    sections = [
        NoticeSection(title="De quoi s'agit-il ?", text=use_case.description or use_case.name),
        NoticeSection(title="Quels capteurs, et où ?", text=_sensors_text(sensors)),
        NoticeSection(
            title="S'agit-il de données personnelles ?",
            text=_personal_text(personal),
        ),
        NoticeSection(title="Pourquoi ?", text=info.purpose or _TO_COMPLETE),
        NoticeSection(title="Combien de temps les données sont-elles gardées ?", text=info.retention or _TO_COMPLETE),
        NoticeSection(title="Qui est responsable ?", text=_controller_text(controller, info)),
    ]
    if personal is not False:
        sections.append(NoticeSection(title="Comment exercer vos droits ?", text=_rights_text(info)))
    sections.append(
        NoticeSection(
            title="Où voir les données ?",
            text=f"Les données ouvertes du service sont publiées ici : {info.open_data}"
            if info.open_data
            else "Aucune publication en données ouvertes n'est prévue pour l'instant.",
        )
    )
    return PublicNotice(
        case=case,
        title=f"Information du public — {use_case.name}",
        authority=use_case.authority,
        updated_on=use_case.audit_date,
        personal_data=personal,
        sensors=sensors,
        sections=tuple(sections),
        missing=tuple(missing),
    )


def _personal_text(personal: bool | None) -> str:
    if personal is None:
        return _TO_COMPLETE + " Dites, pour chaque capteur, s'il relève des données personnelles."
    if personal:
        return (
            "Oui : certaines données se rapportent à des personnes. Le règlement général sur la "
            "protection des données (RGPD) s'applique et vous donne des droits."
        )
    return "Non : les capteurs ne relèvent aucune donnée qui permette d'identifier une personne."


def _required(info: PublicInformation) -> list[tuple[str, object]]:
    return [
        ("capteurs (type, nombre, emplacement, données relevées)", info.sensors),
        ("finalité", info.purpose),
        ("durée de conservation", info.retention),
        ("contact pour exercer ses droits", info.rights_contact),
    ]


def _sensors_text(sensors: tuple[NoticeSensor, ...]) -> str:
    if not sensors:
        return _TO_COMPLETE
    lines = []
    for sensor in sensors:
        count = f"{sensor.count} × " if sensor.count is not None else ""
        lines.append(f"{count}{sensor.kind} — {sensor.where} ; relève : {sensor.collects}")
    return "\n".join(lines)


def _controller_text(controller: str, info: PublicInformation) -> str:
    text = f"{controller} est responsable du traitement."
    if info.legal_basis:
        text += f" Base légale : {info.legal_basis}."
    if info.dpo_contact:
        text += f" Délégué à la protection des données : {info.dpo_contact}."
    return text


def _rights_text(info: PublicInformation) -> str:
    parts = [
        "Vous pouvez demander à accéder aux données qui vous concernent, les faire rectifier ou "
        "effacer, ou vous opposer à leur traitement."
    ]
    parts.append(f"Contact : {info.rights_contact}." if info.rights_contact else f"Contact : {_TO_COMPLETE}")
    if info.non_digital_contact:
        parts.append(f"Sans Internet : {info.non_digital_contact}.")
    parts.append("Si vous estimez vos droits non respectés, vous pouvez saisir la CNIL (cnil.fr ou par courrier).")
    return " ".join(parts)


def render_markdown(notice: PublicNotice) -> str:
    """The notice as a Markdown page, ready to print or to publish."""
    lines = [
        f"# {notice.title}",
        "",
        f"*{notice.authority} — mise à jour le {notice.updated_on:%d/%m/%Y}*",
        "",
    ]
    for section in notice.sections:
        lines += [f"## {section.title}", ""]
        lines += [f"- {line}" for line in section.text.splitlines()] if "\n" in section.text else [section.text]
        lines.append("")
    if notice.missing:
        lines += ["---", "", "À compléter avant publication : " + ", ".join(notice.missing) + ".", ""]
    return "\n".join(lines)
