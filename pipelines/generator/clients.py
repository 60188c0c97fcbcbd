"""The MSP's clients, each known by a different name and id in each system, and their devices.

Also injects the two defects that live on them: client aliases left out of clients.csv
and endpoint names that break the naming standard (in one system only, so every asset
keeps a conforming name somewhere).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from pipelines.generator import reference
from pipelines.generator.business_time import UTC
from pipelines.generator.draws import weighted
from pipelines.generator.ids import Ids
from pipelines.generator.rates import Rates
from pipelines.generator.truth import Truth
from pipelines.generator.world import Client, Device

SYSTEMS = ("connectwise", "servicenow", "jira", "ninjaone")

# How a nonconforming name is spelled, from the conforming one (e.g. LAPTOP-HR-002).
NAME_VARIANTS = (
    lambda name, domain: name.lower(),
    lambda name, domain: name.lower().replace("-", "_"),
    lambda name, domain: f"{name}.{domain}",
    lambda name, domain: "".join(
        part.capitalize() if part.isalpha() and len(part) > 4 else part for part in name.split("-")
    ),
    lambda name, domain: name.replace("-", " "),
)


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, …"""
    text, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def build_clients(
    rng: random.Random, ids: Ids, count: int, start: date, rates: Rates, truth: Truth
) -> list[Client]:
    combos = [(brand, line) for brand in reference.BRANDS for line in reference.LINES_OF_BUSINESS]
    if count > len(combos):
        raise ValueError(f"at most {len(combos)} clients")
    clients = []
    for index, combo_index in enumerate(rng.sample(range(len(combos)), count)):
        brand, (line, line_long, line_short) = combos[combo_index]
        region = weighted(rng, {name: share for name, (share, _, _) in reference.REGIONS.items()})
        _, calendar, suffix = reference.REGIONS[region]
        size = round(rng.uniform(0.5, 1.8), 2)
        clients.append(
            Client(
                index=index,
                client_id=f"CLIENT-{_letters(index)}-{rng.randint(100, 999)}",
                name=f"{brand} {line}",
                domain=f"{brand}{line}".replace(" ", "").lower() + ".local",
                region=region,
                calendar=calendar,
                size=size,
                premium=rng.random() < 0.2,
                cw_id=250 + 3 * index + rng.randrange(3),
                cw_identifier=f"{brand}{line}".replace(" ", ""),
                sn_sys_id=ids.sys_id(),
                sn_name=f"{brand} {line_long} {suffix}",
                jira_org_id=str(index + 1),
                jira_org_name=f"{brand.replace(' ', '').upper()}-{line[:3].upper()}",
                ninja_id=index + 1,
                ninja_name=f"{brand} {line_short}",
                agreement_id=500 + index,
                agreement_amount=round(size * 1200, -1),
                callers=tuple(ids.sys_id() for _ in range(3)),
            )
        )
    _leave_out_aliases(rng, clients, rates.unmapped_client, truth)
    _add_devices(rng, ids, clients, start)
    _misname_devices(rng, clients, rates.nonconforming_asset_name, truth)
    return clients


def exact_share(rate: float, candidates: int) -> int:
    """round(rate × candidates), at least one when the rate is above zero."""
    return min(candidates, max(1, round(rate * candidates))) if rate > 0 and candidates else 0


def _leave_out_aliases(rng: random.Random, clients: list[Client], rate: float, truth: Truth) -> None:
    pairs = [(client, system) for client in clients for system in SYSTEMS]
    rng.shuffle(pairs)
    wanted = exact_share(rate, len(pairs))
    for client, system in pairs:
        if wanted and client.unmapped_system is None:
            client.unmapped_system = system
            wanted -= 1
    for client in clients:
        if client.unmapped_system:
            system = client.unmapped_system
            entity, key, alias = {
                "connectwise": ("companies", str(client.cw_id), client.cw_identifier),
                "servicenow": ("core_company", client.sn_sys_id, client.sn_name),
                "jira": ("issues", client.jira_org_id, client.jira_org_name),
                "ninjaone": ("organizations", str(client.ninja_id), client.ninja_name),
            }[system]
            truth.defect(
                "unmapped_client",
                system,
                entity,
                key,
                f"unmapped_client {alias!r}; {client.client_id}'s tickets in {system} have no client_id",
            )


def _add_devices(rng: random.Random, ids: Ids, clients: list[Client], start: date) -> None:
    numbers: dict[tuple[str, str], int] = {}
    ninja_id = 1000
    for client in clients:
        for _ in range(max(3, round(client.size * rng.randint(8, 16)))):
            asset_class, node_classes = _weighted_class(rng)
            department = rng.choice(list(reference.DEPARTMENTS))
            number = numbers[asset_class, department] = numbers.get((asset_class, department), 0) + 1
            if number > 999:
                raise ValueError("too many devices for the naming standard's three-digit numbers")
            name = f"{asset_class}-{department}-{number:03d}"
            presence = (
                "both"
                if asset_class == "SERVER"
                else weighted(rng, {"both": 0.85, "ninjaone": 0.10, "servicenow": 0.05})
            )
            in_ninja, in_cmdb = presence in ("both", "ninjaone"), presence in ("both", "servicenow")
            ninja_id += 1 + rng.randrange(3)
            created = datetime.combine(start - timedelta(days=rng.randint(30, 1500)), time(9), UTC)
            client.devices.append(
                Device(
                    asset_id=name,
                    asset_class=asset_class,
                    department=reference.DEPARTMENTS[department],
                    client=client,
                    node_class=rng.choice(node_classes),
                    serial=f"{rng.choice('CDFGHJ')}{rng.getrandbits(36):09X}",
                    ninja_id=ninja_id if in_ninja else None,
                    ninja_name=name if in_ninja else None,
                    cmdb_sys_id=ids.sys_id() if in_cmdb else None,
                    cmdb_name=name if in_cmdb else None,
                    created=created + timedelta(minutes=rng.randint(0, 480)),
                )
            )


def _weighted_class(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    asset_class = weighted(rng, {name: share for name, share, _ in reference.ASSET_CLASSES})
    return asset_class, next(nodes for name, _, nodes in reference.ASSET_CLASSES if name == asset_class)


def _misname_devices(rng: random.Random, clients: list[Client], rate: float, truth: Truth) -> None:
    both = [d for c in clients for d in c.devices if d.ninja_id and d.cmdb_sys_id]
    for device in rng.sample(both, exact_share(rate, len(both))):
        variant = rng.choice(NAME_VARIANTS)(device.asset_id, device.client.domain)
        if rng.random() < 0.5:
            device.ninja_name = variant
            truth.defect(
                "nonconforming_asset_name",
                "ninjaone",
                "devices",
                str(device.ninja_id),
                f"nonconforming_asset_name {variant!r}; matched to asset {device.asset_id}",
            )
        else:
            device.cmdb_name = variant
            truth.defect(
                "nonconforming_asset_name",
                "servicenow",
                "cmdb_ci_computer",
                device.cmdb_sys_id,
                f"nonconforming_asset_name {variant!r}; matched to asset {device.asset_id}",
            )
