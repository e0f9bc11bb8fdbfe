"""Web kinds: App Services (§2.20), App Service plans (§2.21) and API Management (§2.28)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common import common, get, identity_triplet, props
from ..context import BuildContext
from ..registry import kind
from .databases import dicts, listing

# -- App Service -----------------------------------------------------------------------------


def _split(value: Any, bug_compatible: bool) -> list[str]:
    """A comma-separated address list; the old collector neither trimmed nor dropped empties."""
    if not isinstance(value, str):
        return []
    if bug_compatible:
        return value.split(",")
    return [v.strip() for v in value.split(",") if v.strip()]


def _ip_restrictions(config: dict[str, Any], bug_compatible: bool) -> list[str]:
    """Allow rules' addresses (or subnets), in order. The old collector stopped at the first
    malformed rule; we skip it instead."""
    out: list[str] = []
    for rule in config.get("ipSecurityRestrictions") or []:
        action = rule.get("action") if isinstance(rule, dict) else None
        if not isinstance(action, str):
            if bug_compatible:
                break
            continue
        if action.lower() != "allow":
            continue
        ip = rule.get("ipAddress")
        if ip is not None:
            if ip not in ("", "undefined/undefined"):
                out.append(ip)
        elif rule.get("vnetSubnetResourceId") is not None:
            out.append(rule["vnetSubnetResourceId"])
    return out


def _old_prevent_anonymous(config: dict[str, Any]) -> bool:
    """The old collector's reading of the web config (§2.20); a null object on the way (which
    crashed it) counts as missing, a null action as "not AllowAnonymous"."""
    if "siteAuthEnabled" not in config:
        return False
    validation = get(config, "siteAuthSettingsV2", "globalValidation")
    if not isinstance(validation, dict) or "unauthenticatedClientAction" not in validation:
        return False
    return validation["unauthenticatedClientAction"] != "AllowAnonymous"


def _auth(
    row: dict[str, Any], ctx: BuildContext, config: dict[str, Any] | None
) -> tuple[bool, bool]:
    """(authenticationEnabled, preventAnonymousAccess)."""
    cfg = config or {}
    if ctx.bug_compatible:
        return bool(cfg.get("siteAuthEnabled")), _old_prevent_anonymous(cfg)
    v2 = ctx.body("web:authsettingsV2", row["id"])
    v2p = v2.get("properties") if isinstance(v2, dict) else None
    if isinstance(v2p, dict):
        enabled = get(v2p, "platform", "enabled") is True
        action = get(v2p, "globalValidation", "unauthenticatedClientAction")
        required = get(v2p, "globalValidation", "requireAuthentication")
        prevent = enabled and action not in (None, "AllowAnonymous") and required is not False
        return enabled, prevent
    enabled = cfg.get("siteAuthEnabled") is True
    action = get(cfg, "siteAuthSettingsV2", "globalValidation", "unauthenticatedClientAction")
    return enabled, enabled and action not in (None, "AllowAnonymous")


@kind("appServices", "microsoft.web/sites")
def app_service(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``appServices[]`` object (web and function apps)."""
    p = props(row)
    body = ctx.body("web:config", row["id"])
    config = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(config, dict):
        ctx.warn(
            row["id"],
            "web config unreadable: disabledFTPs AllAllowed, preventAnonymousAccess false",
        )
        config = None
    cfg = config or {}
    auth_enabled, prevent = _auth(row, ctx, config)
    return {
        **common(row),
        "kind": row.get("kind"),
        **identity_triplet(row),
        "privateEndpoints": p.get("privateEndpointConnections"),
        "outboundAddresses": _split(p.get("outboundIpAddresses"), ctx.bug_compatible),
        "inboundAddresses": _split(p.get("inboundIpAddress"), ctx.bug_compatible),
        "httpsOnly": bool(p.get("httpsOnly")),
        "serverFarmId": p.get("serverFarmId"),
        "authenticationEnabled": auth_enabled,
        "ipSecurityRestrictions": _ip_restrictions(cfg, ctx.bug_compatible),
        "disabledFTPs": get(cfg, "ftpsState", default="AllAllowed"),
        "preventAnonymousAccess": prevent,
    }


# -- App Service plan ------------------------------------------------------------------------


@kind("appServicePlans", "microsoft.web/serverfarms")
def app_service_plan(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``appServicePlans[]`` object; skipped when the row has no ``sku.family``."""
    family = get(row, "sku", "family")
    if not isinstance(family, str):
        ctx.warn(row["id"], "App Service plan without sku.family: skipped")
        return None
    return {**common(row), "family": family}


# -- API Management --------------------------------------------------------------------------


def _pick(
    items: list[dict[str, Any]], fields: Mapping[str, tuple[str, ...]], bug_compatible: bool
) -> list[dict[str, Any]]:
    """Map items to ``{out_key: item[path...]}``. The old collector indexed keys directly and a
    missing one silently ended the loop; we emit null for it instead."""
    out: list[dict[str, Any]] = []
    for item in items:
        obj: dict[str, Any] = {}
        for key, path in fields.items():
            cur: Any = item
            for step in path:
                if not isinstance(cur, dict) or step not in cur:
                    cur = KeyError
                    break
                cur = cur[step]
            if cur is KeyError:
                if bug_compatible:
                    return out
                cur = None
            obj[key] = cur
        out.append(obj)
    return out


_ID_NAME = {"id": ("id",), "name": ("name",)}


def _user_type(user: dict[str, Any]) -> str:
    """``Administrator`` for the built-in administrator (user id ``1``), else ``User``."""
    return "Administrator" if user.get("name") == "1" else "User"


def _apim_users(rid: str, ctx: BuildContext) -> list[dict[str, Any]]:
    users = dicts(listing(ctx, "apim:users", rid))
    if ctx.bug_compatible:
        return _pick(users, {**_ID_NAME, "userType": ("properties", "firstName")}, True)
    return [{"id": u.get("id"), "name": u.get("name"), "userType": _user_type(u)} for u in users]


def _apim_products(rid: str, ctx: BuildContext) -> list[dict[str, Any]]:
    products = _pick(dicts(listing(ctx, "apim:products", rid)), _ID_NAME, ctx.bug_compatible)
    for product in products:
        apis = dicts(listing(ctx, "apim:productApis", product["id"])) if product["id"] else []
        names = _pick(apis, {"name": ("name",)}, ctx.bug_compatible)
        product["apiNames"] = [n["name"] for n in names]
    return products


@kind("apiManagements", "microsoft.apimanagement/service")
def api_management(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``apiManagements[]`` object."""
    p = props(row)
    rid = row["id"]
    bug = ctx.bug_compatible
    return {
        **common(row),
        "apis": _pick(dicts(listing(ctx, "apim:apis", rid)), _ID_NAME, bug),
        "products": _apim_products(rid, ctx),
        "subnetId": get(p, "virtualNetworkConfiguration", "subnetResourceId"),
        "virtualNetworkType": p.get("virtualNetworkType"),
        "apiManagementcertificates": _pick(
            dicts(listing(ctx, "apim:certificates", rid)), _ID_NAME, bug
        ),
        **identity_triplet(row),
        "publicIpAddresses": p.get("publicIPAddresses"),
        "privateIpAddresses": p.get("privateIPAddresses"),
        "apiManagementUsers": _apim_users(rid, ctx),
        "apiManagementSubscriptions": _pick(
            dicts(listing(ctx, "apim:subscriptions", rid)),
            {**_ID_NAME, "userId": ("properties", "ownerId"), "scope": ("properties", "scope")},
            bug,
        ),
    }
