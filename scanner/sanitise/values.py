"""
Values and whole documents: the three rules, applied to every value of a document.

1. **Secret-named keys** (names.py): a string or number under such a key is replaced, and so
   is every string or number below it unless its own name is plainly not a secret.
   Booleans, nulls and timestamps are never secrets (`allowSharedKeyAccess: false` stays
   evidence).
2. **Name/value pairs** (`{"name": "OPENAI_API_KEY", "value": "sk-…"}`, AWS `Key`/`Value`)
   and user-named maps (`appSettings`, `environmentVariables`, `tags`): when the name looks
   secret, the value is replaced.
3. **Secret-looking text** anywhere, whatever the key (text.py); only the secret part of a
   text is replaced, so `Server=db;Password=[REDACTED …]` keeps the rest as evidence.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from scanner.sanitise.names import PAIR_NAME_KEYS, PAIR_VALUE_KEYS, USER_MAPS, key_info, norm
from scanner.sanitise.text import MARK_PREFIX, MIN_LENGTH, mark, sanitise_text

MAX_DEPTH = 100
"""Deeper subtrees are replaced whole: nothing below them is shown, nothing overflows."""
TOO_DEEP = "[REDACTED: nested deeper than 100 levels]"

# `keyCreationTime: {key1: <time>}`: a timestamp under a secret-looking name is not a secret.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?)?(?:Z|[+-]\d\d:?\d\d)?")
_PATH_SPLIT = re.compile(r"\.|\[[^\]]*\]")
_CONTAINERS = (dict, list, tuple)


def sanitise_value(value: Any, key: str | None = None) -> Any:
    """
    Return `value` with secrets replaced by `[REDACTED sha256:<16 hex>]`.

    `key` is the name, or the whole evidence path (`properties.keys[*].value`), the value was
    found under; every segment of a path counts. Containers are copied, never mutated.
    """
    inherited = False
    if key is not None and ("." in key or "[" in key):
        key, inherited = path_context(key)
    secret = inherited
    if key is not None:
        info = key_info(key)
        secret = info.secret or (inherited and not info.safe)
    return _value(value, key, secret, 0)


def sanitise_document(doc: dict[str, Any]) -> dict[str, Any]:
    """
    Return a sanitised copy of a whole resource document (for the bundle's inventory).
    """
    return _dict(doc, None, False, 0)


@functools.lru_cache(maxsize=4096)
def path_context(path: str) -> tuple[str, bool]:
    """
    Split an evidence path (`properties.siteConfig.appSettings[*].value`) into its last
    segment and whether a parent segment makes it secret.
    """
    parts = [p for p in _PATH_SPLIT.split(path) if p]
    if not parts:
        return path, False
    last, parents = parts[-1], parts[:-1]
    inherited = any(key_info(p).secret for p in parents)
    # A `.value` reached through a user-named map has lost its name: assume the worst.
    if norm(last) in PAIR_VALUE_KEYS and any(norm(p) in USER_MAPS for p in parents):
        inherited = True
    # `tags.DB_PASS`, `appSettings.API_KEY`: a user-chosen name, judged as a pair's name is
    if parents and norm(parents[-1]) in USER_MAPS and key_info(last).pair:
        inherited = True
    return last, inherited


def _value(value: Any, key: str | None, secret: bool, depth: int) -> Any:
    """Sanitise `value`, found under `key`; `secret` says the context holds a secret."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        if secret and value and not _TIMESTAMP.fullmatch(value):
            return value if value.startswith(MARK_PREFIX) else mark(value)
        return sanitise_text(value)
    if isinstance(value, (int, float)):
        return mark(value) if secret else value
    if depth >= MAX_DEPTH and isinstance(value, _CONTAINERS):
        return TOO_DEEP
    if isinstance(value, dict):
        return _dict(value, key, secret, depth)
    if isinstance(value, (list, tuple)):
        return [_value(v, None, secret, depth + 1) for v in value]
    if secret:
        return mark(value)
    text = str(value)  # a type the loaders do not produce: shown as text by every writer
    clean = sanitise_text(text)
    return value if clean == text else clean


def _dict(value: dict[Any, Any], key: str | None, secret: bool, depth: int) -> dict[Any, Any]:
    # The hot path of inventory sanitising: one cached lookup per key, no call per plain scalar.
    user_named = key is not None and key_info(key).user_map
    pair_secret = secret
    if not secret:
        for k in value:
            if key_info(k if type(k) is str else str(k)).value_key:
                pair_secret = _pair_is_secret(value)
                break
    out: dict[Any, Any] = {}
    for k, v in value.items():
        name = k if type(k) is str else str(k)
        info = key_info(name)
        shown = info.shown  # a key can be a token too
        if v is None or v is True or v is False:
            out[shown] = v
            continue
        child = (info.secret or (pair_secret and info.value_key) or (user_named and info.pair)
                 or (secret and not info.safe))
        if child:
            out[shown] = _value(v, name, True, depth + 1)
        elif type(v) is str:
            out[shown] = v if len(v) < MIN_LENGTH else sanitise_text(v)
        elif type(v) is int:
            out[shown] = v
        else:
            out[shown] = _value(v, name, False, depth + 1)
    return out


def _pair_is_secret(value: dict[Any, Any]) -> bool:
    """
    Return True for `{name, value}` pairs whose name looks secret (App Service appSettings).
    """
    if len(value) > 6:
        return False  # pairs are small dicts: {name, value[, slotSetting, type]}
    lowered = {norm(str(k)): v for k, v in value.items()}
    if not any(k in lowered for k in PAIR_VALUE_KEYS):
        return False
    for name_key in PAIR_NAME_KEYS:
        name = lowered.get(name_key)
        if isinstance(name, str) and key_info(name).pair:
            return True
    # connectionStrings entries hold a connection string whatever their name
    return "connectionstring" in lowered
