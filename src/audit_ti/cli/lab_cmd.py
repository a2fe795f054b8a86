"""``audit-ti lab demarrer | arreter | etat``: the lab of simulated gateways."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from audit_ti.cli.output import err_console, out_console
from audit_ti.errors import ExitCode, ToolMissingError
from audit_ti.lab.folder import LAB_FOLDER_ENV
from audit_ti.lab.layout import IPV6_GATEWAY, LAB_IPV6_ENV, LAB_NETWORK_ENV, MAX_SCALE_GATEWAYS

if TYPE_CHECKING:
    from audit_ti.lab import EndpointStatus, LabGateway, LabLayout, LabStatus, ServiceKind

__all__ = ["lab"]

_FOLDER_OPTION = click.option(
    "--dossier",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    envvar=LAB_FOLDER_ENV,
    help="Dossier d'état du laboratoire : configurations, clés, journaux, fichiers pid "
    "(par défaut : $XDG_RUNTIME_DIR/audit-ti-lab, sinon /run/audit-ti-lab).",
)


def _folder(option: Path | None) -> Path:
    from audit_ti.lab import default_folder

    return option if option is not None else default_folder()


@click.group(
    "lab",
    short_help="Laboratoire de passerelles IoT simulées sur la boucle locale.",
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
)
def lab() -> None:
    """Laboratoire intégré : trois passerelles IoT simulées sur la boucle locale, servies par de
    vrais logiciels (mosquitto, OpenSSH, lighttpd, net-snmp, vsftpd, BusyBox, Samba,
    gst-rtsp-server, pymodbus, aiocoap).

    \b
      eclairage-armoire-01  127.0.10.1  configuration vulnérable
      telereleve-eau-01     127.0.10.2  configuration moyenne
      passerelle-durcie-01  127.0.10.3  configuration durcie (référence)
      passerelle-ipv6-01    ::1         configuration durcie, en IPv6 (facultative)

    Rien n'écoute ailleurs que sur ces adresses. Le démarrage exige root (ports inférieurs à 1024).
    """


def _reference_table(layout: LabLayout) -> Table:
    table = Table(title="Passerelles du laboratoire", title_justify="left")
    table.add_column("Passerelle", no_wrap=True)
    table.add_column("Adresse", no_wrap=True)
    table.add_column("Profil", no_wrap=True)
    table.add_column("Services")
    for gateway in layout.references:
        table.add_row(gateway.name, str(gateway.address), gateway.profile.value, _services(gateway))
    if layout.scale_count:
        fleet = layout.fleet
        table.add_row(
            f"flotte d'échelle ×{len(fleet)}",
            f"{fleet[0].address}…\n{fleet[-1].address}",
            fleet[0].profile.value,
            _services(fleet[0]),
        )
    return table


def _services(gateway: LabGateway) -> str:
    """``telnet 23, snmp 161/udp…``: the transport is named only when it is not TCP."""
    return ", ".join(
        f"{service.kind.value} {service.port}" + ("" if service.transport.value == "tcp" else "/udp")
        for service in gateway.services
    )


@lab.command("demarrer")
@click.option(
    "--passerelles",
    "scale_count",
    type=click.IntRange(0, MAX_SCALE_GATEWAYS),
    default=0,
    show_default=True,
    help="Passerelles légères ajoutées (127.B.1.1 à 127.B.1.250, puis 127.B.2.1…) pour les mesures à grande échelle.",
)
@click.option(
    "--reseau",
    default=None,
    envvar=LAB_NETWORK_ENV,
    metavar="127.B.0.0/16",
    help="Bloc /16 de la boucle locale où placer le laboratoire (par défaut : 127.0.0.0/16).",
)
@click.option(
    "--ipv6/--sans-ipv6",
    default=None,
    help=f"Servir, ou non, la passerelle IPv6 {IPV6_GATEWAY} sur ::1 (par défaut : oui, sauf si "
    f"{LAB_IPV6_ENV}=0). ::1 est commune à tous les laboratoires de la machine : un seul peut la servir.",
)
@_FOLDER_OPTION
def start(scale_count: int, reseau: str | None, ipv6: bool | None, dossier: Path | None) -> int:
    """Démarrer le laboratoire et attendre que chaque service réponde.

    Code de sortie 2 sans root, s'il manque un logiciel ou si un port est occupé (rien n'est
    démarré) ; 3 si un service ne répond pas (tout ce qui a été démarré est arrêté).
    """
    _require_lab_extras()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from audit_ti.lab import DEFAULT_NETWORK, Lab, LabLayout, ipv6_from_env, parse_network

    layout = LabLayout.build(
        parse_network(reseau) if reseau else DEFAULT_NETWORK,
        scale_count,
        ipv6=ipv6 if ipv6 is not None else ipv6_from_env(),
    )
    folder = _folder(dossier)
    total = sum(1 for _ in layout.endpoints())
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("Services en ligne", total=total)
        status = Lab(folder, layout).start(on_progress=lambda ready, _total: progress.update(task, completed=ready))
    out_console.print(_reference_table(layout))
    up = sum(endpoint.up for endpoint in status.endpoints)
    out_console.print(
        f"Laboratoire démarré : {len(layout.gateways)} passerelle(s), {up}/{total} service(s) en ligne.",
        soft_wrap=True,
    )
    out_console.print(f"Dossier d'état : {escape(str(folder))}", soft_wrap=True)
    stop_command = "audit-ti lab arreter" + (f" --dossier {escape(str(folder))}" if dossier else "")
    out_console.print(f"Pour l'arrêter : {stop_command}", soft_wrap=True)
    return int(ExitCode.OK)


@lab.command("arreter", short_help="Arrêter tous les processus du laboratoire.")
@_FOLDER_OPTION
def stop(dossier: Path | None) -> int:
    """Arrêter tous les processus du laboratoire, par leur pid (jamais par leur nom)."""
    from audit_ti.lab import Lab

    folder = _folder(dossier)
    report = Lab(folder).stop()
    if not report.was_running:
        out_console.print(f"Aucun laboratoire à arrêter dans {escape(str(folder))}.")
    else:
        out_console.print(f"Laboratoire arrêté : {report.stopped} processus terminé(s).")
    return int(ExitCode.OK)


#: What the lab's Python services and certificates need beyond the package's own dependencies.
_LAB_EXTRAS = ("cryptography", "pymodbus", "aiocoap")


def _require_lab_extras() -> None:
    """Refuse to start, in French, when the ``lab`` group of dependencies is not installed."""
    missing = [name for name in _LAB_EXTRAS if importlib.util.find_spec(name) is None]
    if missing:
        raise ToolMissingError(
            f"le laboratoire a besoin de {', '.join(missing)} : installez le groupe « lab » "
            "(pip install 'audit-ti[lab]', ou make demo qui l'installe)"
        )


def _mark(up: int, total: int) -> str:
    if total == 0:
        return ""
    colour = "green" if up == total else "red"
    text = ("✓" if up else "✗") if total == 1 else f"{up}/{total}"
    return f"[{colour}]{text}[/]"


def _status_table(status: LabStatus) -> Table:
    """Services in rows, gateways in columns; the scale fleet is one column of counts."""
    assert status.layout is not None
    references = status.layout.references
    table = Table(title="État du laboratoire", title_justify="left")
    table.add_column("Service", no_wrap=True)
    for gateway in references:
        # "eclairage-\narmoire-01": names break at their first hyphen, not mid-word.
        name = gateway.name.replace("-", "-\n", 1)
        table.add_column(f"{name}\n{gateway.address}", justify="center")
    if status.layout.scale_count:
        table.add_column(f"échelle\n×{status.layout.scale_count}", justify="center")
    # One row per kind of service; a kind served on several ports (the recorder's) gets one per port.
    ports = Counter(kind for kind, _ in {(e.service.kind, e.service.port) for e in status.endpoints})

    def row_of(endpoint: EndpointStatus) -> tuple[ServiceKind, int | None]:
        kind = endpoint.service.kind
        return kind, endpoint.service.port if ports[kind] > 1 else None

    for kind, port in dict.fromkeys(row_of(endpoint) for endpoint in status.endpoints):
        same = [e for e in status.endpoints if row_of(e) == (kind, port)]
        row = [kind.value if port is None else f"{kind.value} {port}"]
        for gateway in references:
            states = [e.up for e in same if e.gateway == gateway]
            row.append(_mark(sum(states), len(states)))
        if status.layout.scale_count:
            fleet = [e.up for e in same if e.gateway not in references]
            row.append(_mark(sum(fleet), len(fleet)))
        table.add_row(*row)
    return table


@lab.command("etat")
@_FOLDER_OPTION
def state(dossier: Path | None) -> int:
    """Afficher quels services du laboratoire répondent.

    Code de sortie 0 si tout répond, 3 si le laboratoire est arrêté ou incomplet.
    """
    from audit_ti.lab import Lab

    folder = _folder(dossier)
    status = Lab(folder).status()
    if not status.running:
        out_console.print(f"Aucun laboratoire démarré dans {escape(str(folder))}.")
        return int(ExitCode.INCOMPLETE_RUN)
    out_console.print(_status_table(status))
    alive = [daemon for daemon in status.daemons if daemon.running]
    out_console.print(f"Processus du laboratoire en vie : {len(alive)}/{len(status.daemons)}.")
    for daemon in status.daemons:
        if not daemon.running:
            out_console.print(f"  [red]✗[/] {daemon.name} (pid {daemon.pid}) : arrêté")
    return int(ExitCode.OK if status.all_up else ExitCode.INCOMPLETE_RUN)
