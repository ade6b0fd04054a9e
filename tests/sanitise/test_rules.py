"""
Sanitising rules: secret-named keys, name/value pairs, secret-looking values.

(The rules moved here from scanner/redact.py with their tests; `redact` is now
`sanitise_value`, `redact_document` `sanitise_document`, `redact_text` `sanitise_text`.)
"""

from __future__ import annotations

import hashlib
import json

import pytest

from scanner.sanitise import mark, sanitise_document, sanitise_text, sanitise_value

SECRETS = {
    "storage_key": "Zm9vYmFyYmF6cXV4U1RPUkFHRUtFWQ==",
    "openai": "sk-proj-PLANTEDopenaiKEY1234567890abcd",
    "sas_sig": "PLANTEDsasSIGxyz%2B0123456789%3D",
    "sql_password": "PLANTEDsqlP4ssw0rd",
    "env_pass": "PLANTEDenvPASSvalue",
    "pem_body": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCPLANTED",
    "admin_pw": "PLANTEDadminPw!",
    "conn_key": "PLANTEDconnAccountKEY==",
}


def planted_doc() -> dict:
    s = SECRETS
    return {
        "id": "/subscriptions/s1/x", "type": "Microsoft.Web/sites", "name": "app",
        "properties": {
            "allowSharedKeyAccess": False,
            "keySource": "Microsoft.Storage",
            "minimumTlsVersion": "TLS1_2",
            "osProfile": {"adminUsername": "azureuser", "AdminPassword": s["admin_pw"]},
            "keys": [{"keyName": "key1", "value": s["storage_key"], "permissions": "FULL"}],
            "siteConfig": {
                "appSettings": [
                    {"name": "OPENAI_API_KEY", "value": s["openai"]},
                    {"name": "REGION", "value": "westeurope"},
                ],
                "connectionStrings": [
                    {"name": "db", "connectionString": f"Server=db;Password={s['sql_password']};",
                     "type": "SQLAzure"},
                ],
            },
            "blobUrl": f"https://a.blob.core.windows.net/c?sv=2022-11-02&sig={s['sas_sig']}&se=x",
            "notes": "DefaultEndpointsProtocol=https;AccountName=a;"
                     f"AccountKey={s['conn_key']};EndpointSuffix=core.windows.net",
            "cert": f"-----BEGIN RSA PRIVATE KEY-----\n{s['pem_body']}\n-----END RSA PRIVATE KEY-----",
            "Environment": {"Variables": {"DB_PASS": s["env_pass"], "MODE": "fast"}},
        },
    }


def test_no_planted_secret_survives():
    out = json.dumps(sanitise_document(planted_doc()))
    for name, secret in SECRETS.items():
        assert secret not in out, name


def test_evidence_that_is_not_secret_is_kept():
    p = sanitise_document(planted_doc())["properties"]
    assert p["allowSharedKeyAccess"] is False
    assert p["keySource"] == "Microsoft.Storage"
    assert p["minimumTlsVersion"] == "TLS1_2"
    assert p["osProfile"]["adminUsername"] == "azureuser"
    assert p["siteConfig"]["appSettings"][1] == {"name": "REGION", "value": "westeurope"}
    assert p["siteConfig"]["appSettings"][0]["name"] == "OPENAI_API_KEY"
    assert p["siteConfig"]["connectionStrings"][0]["type"] == "SQLAzure"
    assert p["Environment"]["Variables"]["MODE"] == "fast"
    assert p["blobUrl"].startswith("https://a.blob.core.windows.net/c?sv=2022-11-02&sig=[REDACTED")
    assert "AccountName=a;AccountKey=[REDACTED sha256:" in p["notes"]


def test_marker_is_sha256_prefix_of_the_value():
    digest = hashlib.sha256(b"hunter2").hexdigest()[:16]
    assert mark("hunter2") == f"[REDACTED sha256:{digest}]"
    assert sanitise_value("hunter2", "password") == mark("hunter2")


@pytest.mark.parametrize("key", ["password", "PASSWORD", "adminPassword", "client_secret",
                                 "connectionString", "AccountKey", "sasToken", "privateKey",
                                 "SecretAccessKey", "SessionToken", "primaryKey", "key1"])
def test_secret_named_keys(key):
    assert sanitise_value("v4lue-x", key).startswith("[REDACTED sha256:")


@pytest.mark.parametrize("key", ["keySource", "keyVaultSecretId", "tokenStoreEnabled",
                                 "clientSecretSettingName", "publicNetworkAccess", "name"])
def test_names_about_secrets_are_not_secrets(key):
    assert sanitise_value("value-x", key) == "value-x"


def test_redaction_is_nested_and_idempotent():
    doc = {"a": {"b": [{"c": {"Password": "p4ss"}}]}}
    once = sanitise_document(doc)
    assert once["a"]["b"][0]["c"]["Password"] == mark("p4ss")
    assert sanitise_document(once) == once
    assert doc["a"]["b"][0]["c"]["Password"] == "p4ss"  # the input is not mutated


def test_evidence_paths_carry_their_context():
    # `[*].value` under appSettings has lost its name: redact every value
    assert sanitise_value(["a-value", "b-value"], "properties.siteConfig.appSettings[*].value") == [
        mark("a-value"), mark("b-value")]
    assert sanitise_value("x", "properties.osProfile.adminPassword") == mark("x")
    assert sanitise_value(True, "properties.osProfile.disablePasswordAuthentication") is True


def test_text_patterns():
    assert "secret123" not in sanitise_text("Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=secret123")
    assert "SharedAccessKeyName=k" in sanitise_text("SharedAccessKeyName=k;SharedAccessKey=secret123")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLXZhbHVl"
    assert jwt not in sanitise_text(f"token was {jwt} ok")
    assert sanitise_text("nothing to see here") == "nothing to see here"
    spaced = sanitise_text("Server=db;User ID=u;Password=p@ss w0rd;Encrypt=True")
    assert "p@ss" not in spaced and "w0rd" not in spaced and spaced.endswith(";Encrypt=True")
