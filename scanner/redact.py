"""
Secret redaction: values that look like credentials never reach findings, reports or bundles.

A secret becomes `[REDACTED sha256:<first 16 hex of sha256 of the value>]`, so two reports
can still show that a value changed (or did not) without showing it.

Three rules, applied to every value of a document:

1. **Secret-named keys** (case-insensitive, `_`/`-`/`.` ignored, nested): `password`,
   `secret`, `token`, `connectionString`, `accountKey`, `sasToken`, `privateKey`, … A string
   or number under such a key is redacted, and so is every string or number below it unless
   its own name is plainly not a secret (`...Name`, `...Enabled`, `...Uri`, `...Id`, `type`).
   Booleans, nulls and timestamps are never secrets (`allowSharedKeyAccess: false` stays
   evidence).
2. **Name/value pairs** (`{"name": "OPENAI_API_KEY", "value": "sk-…"}`, as in App Service
   `appSettings`/`connectionStrings`, container `env`), and user-named maps under
   `appSettings`/`environmentVariables`/`Variables`: when the name contains KEY, SECRET,
   PASSWORD/PWD/PASS, TOKEN, CONNECTION, CREDENTIAL, SAS, SIG or AUTH, the value is redacted.
3. **Values that look like secrets** anywhere, whatever the key: `AccountKey=…`,
   `SharedAccessSignature=…`, `Password=…` in connection strings, `sig=…` in SAS URLs, PEM
   private keys, JWTs and well-known API-key formats. Only the secret part of the text is
   replaced, so `Server=db;Password=[REDACTED …]` keeps the rest as evidence.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

_SEPARATORS = re.compile(r"[-_.\s]")

_SECRET_NAME = re.compile(
    r"password|passwd|passphrase|secret|token|credential|connectionstring|connstr|sastoken|"
    r"signature|privatekey|accountkey|accesskey|apikey|sharedkey|masterkey|primarykey|"
    r"secondarykey|subscriptionkey|instrumentationkey|signingkey|clientkey|encryptionkey|"
    r"^sig$|^pwd$|^key\d+$|^pass$"
)
# A name ending like this names, points to, or configures a secret but does not hold one.
_SAFE_NAME = re.compile(
    r"(enabled|disabled|permission|permissions|source|type|name|names|uri|url|id|ids|arn|"
    r"version|expiry|expiration|expiresat|expireson|expirytime|policy|policies|properties|"
    r"settings|access|count|length|lifetime|state|status|mode|reference|kind|format|required|"
    r"allowed|rotation|store|age|used|prevention|limit|period|days|duration|ttl|timeout|"
    r"algorithm|size|strength|complexity|authentication|endpoint|"
    r"^httptokens)$"  # AWS IMDS: "required"/"optional", the IMDSv2 evidence itself
)
# Names users choose themselves (app settings, env vars): a broader, substring match.
_PAIR_NAME = re.compile(
    r"key|secret|password|passwd|pwd|pass|token|connection|credential|sas|sig|auth|cert",
    re.IGNORECASE,
)
_USER_MAPS = frozenset(
    {"appsettings", "environmentvariables", "environment", "variables", "env", "envvars"}
)
_PAIR_NAME_KEYS = ("name", "keyname", "key")
_PAIR_VALUE_KEYS = ("value", "connectionstring")

# Secret parts inside a longer text. Group "s" is the secret that is replaced.
_TEXT_PATTERNS = (
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?P<s>.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
        re.DOTALL,
    ),
    re.compile(r"(?i)\bSharedAccessSignature=(?P<s>[^;\"'\s]+)"),
    re.compile(
        r"(?i)\b(?:AccountKey|SharedAccessKey|Password|Pwd|ClientSecret|Secret|ApiKey|AccessKey|"
        r"PrimaryKey|SecondaryKey|Token|AccessToken|SessionToken|sas_token|sastoken)"
        r"\s*=\s*(?P<s>[^;&\"'\r\n]*[^;&\"'\s])"  # to `;`: passwords may hold spaces
    ),
    re.compile(r"(?i)(?:^|[?&;\s])sig=(?P<s>[^&;\"'\s]+)"),
    re.compile(r"(?P<s>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
    re.compile(r"(?P<s>\b(?:sk|rk|pk)-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,})"),
    re.compile(r"(?P<s>\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,})"),
    re.compile(r"(?P<s>\bxox[abposr]-[A-Za-z0-9-]{10,})"),
)
_MARK_PREFIX = "[REDACTED sha256:"
# `keyCreationTime: {key1: <time>}`: a timestamp under a secret-looking name is not a secret.
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$")


def mark(value: Any) -> str:
    """
    Return the redaction marker for `value`: `[REDACTED sha256:<16 hex>]`.
    """
    digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{_MARK_PREFIX}{digest}]"


# Key names repeat across millions of resources: classify each distinct name once.
@functools.lru_cache(maxsize=8192)
def _norm(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


@functools.lru_cache(maxsize=8192)
def is_secret_name(name: str) -> bool:
    """
    Return True when a key called `name` holds a secret (`adminPassword`, `AccountKey`).
    """
    n = _norm(name)
    return bool(_SECRET_NAME.search(n)) and not _SAFE_NAME.search(n)


@functools.lru_cache(maxsize=8192)
def _is_safe_name(name: str) -> bool:
    return bool(_SAFE_NAME.search(_norm(name)))


@functools.lru_cache(maxsize=8192)
def _is_pair_name(name: str) -> bool:
    return bool(_PAIR_NAME.search(name))


def redact_text(text: str) -> str:
    """
    Return `text` with every secret-looking part (see module docstring, rule 3) replaced.
    """
    if len(text) < 8 or not _may_hold_secret(text):
        return text
    for pattern in _TEXT_PATTERNS:
        text = pattern.sub(_replace_group, text)
    return text


def _may_hold_secret(t: str) -> bool:
    # Every text pattern needs one of these substrings; most strings have none, and `in`
    # is far cheaper than eight regular expressions (this runs on every inventory string).
    return (
        "=" in t or "-----BEGIN" in t or "eyJ" in t or "k-" in t or "xox" in t
        or ("gh" in t and "_" in t)
    )


def _replace_group(m: re.Match[str]) -> str:
    secret = m.group("s")
    if not secret or secret.startswith(_MARK_PREFIX):
        return m.group(0)
    start, end = m.span("s")
    whole = m.group(0)
    base = m.start(0)
    return whole[: start - base] + mark(secret) + whole[end - base :]


@functools.lru_cache(maxsize=4096)
def _path_context(key: str) -> tuple[str, bool]:
    """
    Split an evidence path (`properties.siteConfig.appSettings[*].value`) into its last
    segment and whether a parent segment makes it secret.
    """
    parts = [p for p in re.split(r"\.|\[[^\]]*\]", key) if p]
    if not parts:
        return key, False
    last, parents = parts[-1], parts[:-1]
    inherited = any(is_secret_name(p) for p in parents)
    # A `.value` reached through a user-named map has lost its name: assume the worst.
    if _norm(last) in _PAIR_VALUE_KEYS and any(_norm(p) in _USER_MAPS for p in parents):
        inherited = True
    return last, inherited


def path_has_secret_parent(path: str) -> bool:
    """
    Return True when a parent segment of an evidence path makes its value secret, so that
    redacting with the last segment alone (`value`) would not be enough.
    """
    return ("." in path or "[" in path) and _path_context(path)[1]


def redact(value: Any, key: str | None = None) -> Any:
    """
    Return `value` with secrets replaced by `[REDACTED sha256:<16 hex>]`.

    `key` is the name (or the dotted evidence path) the value was found under; a
    secret-looking key redacts the whole value. Dicts and lists are copied, never mutated.
    """
    inherited = False
    if key is not None and ("." in key or "[" in key):
        key, inherited = _path_context(key)
    return _redact(value, key, inherited, False)


def redact_document(doc: dict[str, Any]) -> dict[str, Any]:
    """
    Return a redacted copy of a whole canonical resource document (for inventories).
    """
    result = _redact(doc, None, False, False)
    assert isinstance(result, dict)
    return result


@functools.lru_cache(maxsize=16384)
def _key_info(name: str) -> tuple[bool, bool, bool, bool, bool]:
    """(secret name, safe name, secret-looking pair name, user-named map, pair value key)."""
    n = _norm(name)
    safe = bool(_SAFE_NAME.search(n))
    return (
        bool(_SECRET_NAME.search(n)) and not safe,
        safe,
        bool(_PAIR_NAME.search(name)),
        n in _USER_MAPS,
        n in _PAIR_VALUE_KEYS,
    )


def _secret_context(key: str | None, inherited: bool, user_map: bool) -> bool:
    if key is None:
        return inherited
    secret, safe, pair, _, _ = _key_info(key)
    return secret or (user_map and pair) or (inherited and not safe)


def _redact(value: Any, key: str | None, inherited: bool, user_map: bool) -> Any:
    return _value(value, key, _secret_context(key, inherited, user_map))


def _value(value: Any, key: str | None, secret: bool) -> Any:
    """Redact `value`, found under `key`; `secret` says the context holds a secret."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if secret and value and not _TIMESTAMP.match(value):
            return value if value.startswith(_MARK_PREFIX) else mark(value)
        return redact_text(value)
    if isinstance(value, (int, float)):
        return mark(value) if secret else value
    if isinstance(value, dict):
        return _redact_dict(value, key, secret)
    if isinstance(value, (list, tuple)):
        return [_value(v, None, secret) for v in value]
    return value


def _redact_dict(value: dict[str, Any], key: str | None, secret: bool) -> dict[str, Any]:
    # The hot path of inventory redaction: one cached lookup per key, no call per plain scalar.
    user_named = key is not None and _key_info(key)[3]
    infos = [(k, v, _key_info(k if isinstance(k, str) else str(k))) for k, v in value.items()]
    pair_secret = secret or (any(i[4] for _, _, i in infos) and _pair_is_secret(value))
    out: dict[str, Any] = {}
    for k, v, (named, safe, pair, _, is_value) in infos:
        if v is None or v is True or v is False:
            out[k] = v
            continue
        k_str = k if isinstance(k, str) else str(k)
        child = named or (pair_secret and is_value) or (user_named and pair) or (secret and not safe)
        if not child and type(v) is str:
            out[k] = redact_text(v)
        elif not child and type(v) is int:
            out[k] = v
        else:
            out[k] = _value(v, k_str, child)
    return out


def _pair_is_secret(value: dict[str, Any]) -> bool:
    """
    Return True for `{name, value}` pairs whose name looks secret (App Service appSettings).
    """
    if len(value) > 6:
        return False  # pairs are small dicts: {name, value[, slotSetting, type]}
    lowered = {_norm(str(k)): v for k, v in value.items()}
    if not any(k in lowered for k in _PAIR_VALUE_KEYS):
        return False
    for name_key in _PAIR_NAME_KEYS:
        name = lowered.get(name_key)
        if isinstance(name, str) and _is_pair_name(name):
            return True
    # connectionStrings entries hold a connection string whatever their name
    return "connectionstring" in lowered
