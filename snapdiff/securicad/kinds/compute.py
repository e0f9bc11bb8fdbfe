"""Compute kinds (spec §2.6-§2.9): virtual machines, scale sets, managed disks and SSH keys.

Every builder reads only the Resource Graph row (and, for disks, the attached VM's row). Value
differences between the default and ``--bug-compatible`` modes are listed in
docs/compatibility.md ("Compute and network kinds"); field names are identical in both modes.
"""

from __future__ import annotations

from typing import Any

from ..common import as_dict, common, get, managed_by, props, user_assigned
from ..context import BuildContext
from ..registry import kind


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[]``."""
    return value if isinstance(value, list) else []


def _rid(row: dict[str, Any]) -> str:
    """The row's id for warnings."""
    return str(row.get("id") or "<row without id>")


def _os(profile: dict[str, Any], ctx: BuildContext) -> str | None:
    """``storageProfile.osDisk.osType`` of a VM or VMSS profile.

    Default mode infers the OS from the one OS configuration present when ``osType`` is absent
    (common in scale-set models); bug-compatible mode keeps null, as upstream did.
    """
    os_type = get(profile, "storageProfile", "osDisk", "osType")
    if os_type is not None or ctx.bug_compatible:
        return os_type
    linux = isinstance(get(profile, "osProfile", "linuxConfiguration"), dict)
    windows = isinstance(get(profile, "osProfile", "windowsConfiguration"), dict)
    if linux != windows:
        return "Linux" if linux else "Windows"
    return None


def _is_linux(os_type: str | None, ctx: BuildContext) -> bool:
    """Upstream compares with ``"Linux"`` exactly; default mode ignores case."""
    if ctx.bug_compatible:
        return os_type == "Linux"
    return isinstance(os_type, str) and os_type.lower() == "linux"


def _ssh_keys(
    profile: dict[str, Any], os_type: str | None, ctx: BuildContext, *, stop_at_gap: bool
) -> list[str]:
    """``keyData`` of ``osProfile.linuxConfiguration.ssh.publicKeys`` for Linux profiles.

    With ``stop_at_gap`` (VMs in bug-compatible mode) collection stops at the first key without
    ``keyData``; otherwise such keys are skipped one by one. A null ``linuxConfiguration``
    (an upstream crash) gives ``[]``.
    """
    if not _is_linux(os_type, ctx):
        return []
    out: list[str] = []
    for key in _list(get(profile, "osProfile", "linuxConfiguration", "ssh", "publicKeys")):
        data = get(key, "keyData")
        if not isinstance(data, str) or not data:
            if stop_at_gap:
                break
            continue
        out.append(data)
    return out


def _identities(row: dict[str, Any], ctx: BuildContext) -> tuple[Any, Any, list[dict[str, Any]]]:
    """``(principalId, principalType, user-assigned items)`` of §2.0.

    Upstream emptied the whole list when one entry lacked ``clientId`` or ``principalId``; that
    is kept in bug-compatible mode, while default mode keeps the complete entries. Either way
    the incomplete entries are reported.
    """
    ident = as_dict(row.get("identity"))
    uai = as_dict(ident.get("userAssignedIdentities"))
    items = user_assigned(ident)
    total = len(uai)
    if len(items) < total:
        complete = {i["identityId"] for i in items}
        missing = sorted(k for k in uai if k not in complete)
        what = "the whole list is emptied" if ctx.bug_compatible else "they are left out"
        ctx.warn(
            _rid(row),
            f"user-assigned identities without clientId/principalId ({', '.join(missing)}); {what}",
        )
        if ctx.bug_compatible:
            items = []
    return ident.get("principalId"), ident.get("type"), items


@kind("virtualMachines", "microsoft.compute/virtualmachines")
def virtual_machine(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A VirtualMachine (§2.6)."""
    p = props(row)
    os_type = _os(p, ctx)
    storage = p.get("storageProfile")
    storage = storage if storage.__class__ is dict else {}
    names = [
        d.get("name") if d.__class__ is dict else None for d in _list(storage.get("dataDisks"))
    ]
    if ctx.bug_compatible and not all(isinstance(n, str) for n in names):
        names = []  # upstream: any failure while reading the names gives []
    principal_id, principal_type, uai = _identities(row, ctx)
    out = common(row)  # built in place: one dict per VM, not two
    out["os"] = os_type
    out["osDisk"] = get(storage, "osDisk", "name")
    out["dataDisks"] = [n for n in names if isinstance(n, str)]
    out["managedBy"] = managed_by(row)
    out["sshKeys"] = _ssh_keys(p, os_type, ctx, stop_at_gap=ctx.bug_compatible)
    # A missing networkProfile crashed upstream; we emit [] (both modes).
    out["networkInterfaces"] = [
        {"id": nic["id"]}
        for nic in _list(get(p, "networkProfile", "networkInterfaces"))
        if isinstance(nic, dict) and nic.get("id")
    ]
    out["principalId"] = principal_id
    out["principalType"] = principal_type
    out["userAssignedIdentities"] = uai
    return out


def _vmss_nics(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """One VMSS-NIC item per IP configuration of every NIC configuration (§2.7).

    Items without a name or subnet id are skipped, as are IP configs without ``properties``;
    the shapes upstream crashed on (no ``networkInterfaceConfigurations``, no ``subnet``) are
    skipped the same way.
    """
    out = []
    for nic in _list(get(profile, "networkProfile", "networkInterfaceConfigurations")):
        nsg = get(nic, "properties", "networkSecurityGroup", "id")
        for ipc in _list(get(nic, "properties", "ipConfigurations")):
            if not isinstance(get(ipc, "properties"), dict):
                continue
            name = get(ipc, "name")
            subnet = get(ipc, "properties", "subnet", "id")
            if name and subnet:
                out.append(
                    {
                        "name": name,
                        "subnetId": subnet,
                        "publicIpName": get(
                            ipc, "properties", "publicIPAddressConfiguration", "name"
                        ),
                        "secondaryNsg": nsg,
                    }
                )
    return out


@kind("virtualMachineScaleSets", "microsoft.compute/virtualmachinescalesets")
def virtual_machine_scale_set(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """A VirtualMachineScaleSet (§2.7); skipped without ``virtualMachineProfile`` (Flex)."""
    profile = get(row, "properties", "virtualMachineProfile")
    if not isinstance(profile, dict):
        ctx.warn(
            _rid(row), "scale set has no virtualMachineProfile (Flexible orchestration); skipped"
        )
        return None
    rid = row.get("id")
    os_type = _os(profile, ctx)
    disks = get(profile, "storageProfile", "dataDisks")
    # Upstream: the key exists and is not null, so [] counts; default mode needs a data disk.
    has_data = disks is not None if ctx.bug_compatible else bool(_list(disks))
    principal_id, principal_type, uai = _identities(row, ctx)
    return {
        **common(row),
        "os": os_type,
        "osDisk": f"{rid}-OSDisk",
        "dataDisk": f"{rid}-DataDisk" if has_data else None,
        "managedBy": managed_by(row),
        "sshKeys": _ssh_keys(profile, os_type, ctx, stop_at_gap=False),
        "networkInterfaces": _vmss_nics(profile),
        "principalId": principal_id,
        "principalType": principal_type,
        "identityIds": uai,
    }


def _disk_role_from_vm(row: dict[str, Any], vm_id: Any, ctx: BuildContext) -> str | None:
    """``"OsDisk"``/``"DataDisk"`` from the attached VM's storage profile (``vm_id`` is the
    disk's ``managedBy``), when it says."""
    vm = ctx.resource(vm_id) if isinstance(vm_id, str) and vm_id else None  # odd rows: managedBy 1
    if vm is None:
        return None
    disk_id = str(row.get("id") or "").lower()
    storage = get(vm, "properties", "storageProfile", default={})
    if str(get(storage, "osDisk", "managedDisk", "id", default="")).lower() == disk_id:
        return "OsDisk"
    for d in _list(get(storage, "dataDisks")):
        if str(get(d, "managedDisk", "id", default="")).lower() == disk_id:
            return "DataDisk"
    return None


@kind("disks", "microsoft.compute/disks")
def disk(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A managed Disk (§2.8).

    Bug-compatible ``type``: ``OsDisk`` when ``osType`` is set or the name equals ``osdisk``.
    Default: the attached VM's storage profile decides; otherwise ``osType`` or a name
    containing ``osdisk`` (the heuristic upstream meant to apply).
    """
    name = str(row.get("name") or "")
    os_type = props(row).get("osType")
    vm_id = managed_by(row)
    if ctx.bug_compatible:
        is_os = os_type is not None or name.lower() == "osdisk"
    else:
        role = _disk_role_from_vm(row, vm_id, ctx)
        is_os = role == "OsDisk" if role else os_type is not None or "osdisk" in name.lower()
    out = common(row)  # built in place: one dict per disk, not two
    out["type"] = "OsDisk" if is_os else "DataDisk"
    out["managedBy"] = vm_id
    out["os"] = os_type
    return out


@kind("sshKeys", "microsoft.compute/sshpublickeys")
def ssh_key(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """An SshKey (§2.9); a key resource without ``publicKey`` (upstream crash) gives ``""``."""
    key = get(row, "properties", "publicKey")
    if not isinstance(key, str):
        ctx.warn(_rid(row), "SSH public key resource has no publicKey; emitted as empty string")
        key = ""
    return {**common(row), "publicKey": key}
