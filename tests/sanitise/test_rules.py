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


# The rules added with the sanitising stage: each secret-looking text, and its neighbours
# that must stay evidence.
AKIA = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
STORAGE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@pytest.mark.parametrize("text, secret", [
    ("postgres://admin:S3cretPw@db.internal:5432/app", "S3cretPw"),
    ("https://user:p%40ss@example.com/path", "p%40ss"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", "abcdefghijklmnopqrstuvwxyz0123"),
    ('{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}', "dXNlcjpwYXNzd29yZA=="),
    ("HTTP_AUTHORIZATION=SharedKey acct:c2lnbmF0dXJlLXZhbHVl", "c2lnbmF0dXJlLXZhbHVl"),
    (f"key id {AKIA} in the log", AKIA),
    (f"{AKIA}:{AWS_SECRET}", AWS_SECRET),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    (f"key: {STORAGE_KEY}", STORAGE_KEY),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    ("glpat-abcdefghij0123456789", "abcdefghij0123456789"),
    ("key=AIzaSyD-abcdefghijklmnopqrstuvwxyz12345", "AIzaSyD-abcdefghijklmnopqrstuvwxyz12345"),
    ("hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX"),
    ("npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    ("SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "SG.abcdefghij"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
     "b3BlbnNzaC1rZXktdjEAAAA"),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0B", "MIIEvgIBADANBgkqhkiG9w0B"),  # cut short
    ("prefix_ghp_abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxyz0123456789"),
    ('"client_secret": "Zx8~Q2.abcdEFGHijklMNOP"', "Zx8~Q2.abcdEFGHijklMNOP"),
    ("adminPassword=hunter2hunter2", "hunter2hunter2"),
    # base64 and base64url of tokens, also glued to other base64-alphabet text
    ("ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4TWpNME5UWWlmUS5jMmxuYm1GMGRYSmxMWFpoYkhWbA==",
     "ZXlKaGJHY2lPaUpJ"),
    ("abcQUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "QUtJQUlPU0ZPRE5ON0VYQU1QTEU"),
    ("Z2hwX2FiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQ", "Z2hwX2FiY2RlZmdo"),
])
def test_secret_looking_texts(text, secret):
    out = sanitise_text(text)
    assert secret not in out and "[REDACTED sha256:" in out


@pytest.mark.parametrize("text", [
    ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai/providers/"
    "Microsoft.Compute/disks/disk-encryption-set-for-prod-vm-0001"),
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
    "observed properties.enableRbacAuthorization=True; properties.tokenStoreEnabled=False",
    "properties.osProfile.linuxConfiguration.disablePasswordAuthentication=True",
    "Basic tier in southeastasia, Standard_LRS",
    "https://kv-prod.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef",
    "https://learn.microsoft.com/azure/confidential-computing/quick-create-portal",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "user@example.com wrote 2026-11-28T12:00:00Z",
    "keySource=Microsoft.Keyvault; secretName=db-password; tokenName=ci",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
])
def test_evidence_that_only_looks_near_a_secret_is_kept(text):
    assert sanitise_text(text) == text


@pytest.mark.parametrize("path, value", [
    ("properties.keys[*].value", ["k1-value", "k2-value"]),
    ("properties.osProfile.customData", "I2Nsb3VkLWNvbmZpZw=="),
    ("properties.userData", "IyEvYmluL3No"),
    ("properties.UserData.Value", "IyEvYmluL3No"),
    ("properties.extensions[*].protectedSettings", [{"commandToExecute": "run x"}]),
    ("properties.parameters.adminPassword.secureValue", "anything-at-all"),
    ("properties.headers.Authorization", "Bearer abc"),
    ("tags.DB_PASS", "plain-looking"),
])
def test_values_held_wholesale_by_their_path(path, value):
    out = json.dumps(sanitise_value(value, path))
    for leaf in (value if isinstance(value, list) else [value]):
        for part in (leaf.values() if isinstance(leaf, dict) else [leaf]):
            assert part not in out
    assert "[REDACTED sha256:" in out


def test_safe_names_under_wholesale_parents_stay_readable_where_they_name():
    keys = sanitise_value([{"keyName": "key1", "value": "v-1234", "permissions": "FULL"}],
                          "properties.keys")
    assert keys == [{"keyName": "key1", "value": mark("v-1234"), "permissions": "FULL"}]
    assert sanitise_value("enabled-value", "properties.userDataEnabled") == "enabled-value"
    tags = sanitise_document({"tags": {"owner": "team-ai", "api_token": "t0k3n-value"}})["tags"]
    assert tags == {"owner": "team-ai", "api_token": mark("t0k3n-value")}


def test_a_key_that_is_itself_a_token_is_replaced():
    token = "ghp_" + "a1B2c3D4e5" * 4
    out = sanitise_document({"properties": {token: True, "plain": 1}})
    assert token not in json.dumps(out) and out["properties"]["plain"] == 1
