"""Redaction of secrets before anything reaches disk (store, bundles, cassettes).

Two rules: a string value under a secret-looking key is replaced, and a secret-looking
string (JWT, SAS signature, connection string, private key) is replaced wherever it is.
Only paths are reported, never values. Untouched JSON bodies keep their exact bytes.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Keys whose *string* values are secrets. Matched on the lower-cased key with '_' and '-' removed.
# "secrets"/"keys" (Key Vault permission lists) are not strings, so they are never touched.
_SECRET_KEYS = re.compile(
    r"^(password|adminpassword|administratorloginpassword|passwd|pwd|secret|clientsecret"
    r"|connectionstring|primaryconnectionstring"
    r"|secondaryconnectionstring|primarykey|secondarykey|primarymasterkey|secondarymasterkey"
    r"|primaryreadonlymasterkey|secondaryreadonlymasterkey|accountkey|accesskey|storagekey"
    r"|sharedaccesskey|sastoken|sasurl|sas|accesstoken|refreshtoken|idtoken|token|apikey"
    r"|instrumentationkey|privatekey|certificatepassword|value_secret|keyvalue|secretvalue"
    r"|customerkey|encryptionkey|aadclientsecret|consumersecret|appsecret|clientcertpassword)$"
)
_SECRET_KEY_PARTS = re.compile(r"(password|connectionstring|clientsecret|accountkey|sastoken)")
# App settings and similar {"name": ..., "value": ...} pairs: the name says whether it is secret.
_SECRET_SETTING = re.compile(
    r"(?i)(key|secret|password|passwd|pwd|token|connection|sas|credential|signature)"
)
# Environment-style setting names (DB_PASS, SMTP_PWD, GITHUB_TOKEN, STRIPE_APIKEY, a:b__secret):
# a name of several words is secret when one of its words is one of these.
_SECRET_WORDS = {"pass", "passwd", "password", "pwd", "pw", "token", "apikey", "secret", "key"}
_WORD_SEP = re.compile(r"[_\-.:]+")

_SECRET_VALUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"), "jwt"),
    (
        re.compile(
            r"(?i)((?:AccountKey|SharedAccessKey|SharedAccessSignature|AccessKey|Password|pwd"
            r"|InstrumentationKey|ApiKey|Secret)[ \t]*=[ \t]*)([^;\"\s]+)"
        ),
        "connection-string",
    ),
    # scheme://user:password@host (database URLs, proxies, git remotes)
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/?#@\s\"]*:)[^@/?#\s\"]+(?=@)"), "url-password"),
    (re.compile(r"(?i)([?&]sig=)[^&\"\s]+"), "sas-signature"),
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        "private-key",
    ),
    (re.compile(r"(?i)(client_secret=)[^&\"\s]+"), "client-secret"),
]

# Response headers worth keeping: paging, throttling and request ids. Everything else
# (Authorization never comes back, but Set-Cookie and the like might) is dropped.
KEEP_HEADERS = {
    "content-type",
    "retry-after",
    "x-ms-request-id",
    "x-ms-correlation-request-id",
    "x-ms-routing-request-id",
    "x-ms-user-quota-remaining",
    "x-ms-user-quota-resets-after",
    "x-ms-resource-unit",
    "x-ms-throttle-limit-percentage",
    "x-ms-throttle-scope",
    "x-ms-throttle-information",
    "x-ms-tenant-subscription-limit-hit",
    "request-id",
    "client-request-id",
    "date",
}
_SECRET_QUERY = {"sig", "code", "client_secret", "access_token", "token", "skoid", "sktid"}


def keep_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for k, v in headers.items():
        lk = k.lower()
        if lk in KEEP_HEADERS or lk.startswith("x-ms-ratelimit"):
            out[lk] = v
    return out


def _secret_words(name: str) -> bool:
    """``DB_PASS``, ``smtp-pwd``, ``Github__Token``: a word of a multi-word name is secret."""
    words = [w.lower() for w in _WORD_SEP.split(name) if w]
    return len(words) > 1 and any(w in _SECRET_WORDS for w in words)


@lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    k = key.lower().replace("_", "").replace("-", "")
    return bool(_SECRET_KEYS.match(k) or _SECRET_KEY_PARTS.search(k) or _secret_words(key))


def _secret_setting(name: object) -> bool:
    return isinstance(name, str) and _secret_setting_name(name)


@lru_cache(maxsize=4096)
def _secret_setting_name(name: str) -> bool:
    return bool(_SECRET_SETTING.search(name) or _secret_words(name))


def _may_hold_secret(s: str) -> bool:
    """A cheap necessary condition for any of ``_SECRET_VALUES`` to match ``s``."""
    return "=" in s or "eyJ" in s or "-----BEGIN" in s or ("://" in s and "@" in s)


def redact_string(s: str) -> tuple[str, list[str]]:
    if not _may_hold_secret(s):
        return s, []
    reasons = []
    for pattern, reason in _SECRET_VALUES:
        if pattern.search(s):
            if reason in ("connection-string", "sas-signature", "client-secret", "url-password"):
                s = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}", s)
            else:
                s = pattern.sub(REDACTED, s)
            reasons.append(reason)
    return s, reasons


def redact_obj(obj: Any, path: str = "$") -> tuple[Any, list[tuple[str, str]]]:
    """Return a redacted copy of a JSON value and the (path, reason) pairs redacted."""
    found: list[tuple[str, str]] = []

    def walk(o: Any, p: str) -> Any:
        if isinstance(o, dict):
            out = {}
            secret_setting = _secret_setting(o.get("name"))
            for k, v in o.items():
                if k == "value" and secret_setting and isinstance(v, str) and v:
                    out[k] = REDACTED
                    found.append((f"{p}.{k}", "secret-setting"))
                    continue
                kp = f"{p}.{k}"
                # Already-redacted values (replayed cassettes) are reported again, so a snapshot
                # recorded live and one replayed from a cassette carry the same report.
                if isinstance(v, str) and v and _secret_key(str(k)):
                    out[k] = REDACTED
                    found.append((kp, "secret-key"))
                else:
                    out[k] = walk(v, kp)
            return out
        if isinstance(o, list):
            return [walk(v, f"{p}[{i}]") for i, v in enumerate(o)]
        if isinstance(o, str):
            new, reasons = redact_string(o)
            found.extend((p, r) for r in reasons)
            return new
        return o

    return walk(obj, path), found


def redact_body(body: bytes | None) -> tuple[bytes | None, list[tuple[str, str]]]:
    """Redact a response or request body; JSON is walked, anything else is pattern-matched."""
    if not body:
        return body, []
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body, []
        new, reasons = redact_string(text)
        return (new.encode() if reasons else body), [("$", r) for r in reasons]
    new_obj, found = redact_obj(obj)
    if not found:
        return body, []
    return json.dumps(new_obj, separators=(",", ":"), ensure_ascii=False).encode(), found


def redact_url(url: str) -> str:
    """Drop secret query parameters (SAS signatures, auth codes) from a URL."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    q = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() in _SECRET_QUERY for k, _ in q):
        return url
    q = [(k, REDACTED if k.lower() in _SECRET_QUERY else v) for k, v in q]
    return urlunsplit(parts._replace(query=urlencode(q, safe="/:$,")))
