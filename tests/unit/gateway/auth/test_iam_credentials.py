"""The credential store's identities: who each key signs as."""

from __future__ import annotations

import re

from lamina.aws.credentials import (
    ALLOW_ALL,
    CredentialStore,
    derived_key_pair,
    derived_principal_id,
)
from lamina.config.iam import function_identity
from lamina.functions.environment import LOCAL_ACCESS_KEY_ID, LOCAL_SESSION_TOKEN
from tests.unit.gateway.auth.test_iam_support import ALICE


def test_test_pair_and_plain_pairs_sign_as_the_account_root() -> None:
    store = CredentialStore.local([("AKIAPLAIN00000000000", "plain-secret")])
    for key in ("test", "AKIAPLAIN00000000000"):
        identity = store.identity(key, "111122223333")
        assert identity is not None
        assert identity.arn == "arn:aws:iam::111122223333:root"
        assert identity.principal_id == "111122223333"
        assert identity.statements == ALLOW_ALL
        assert identity.any_token
    assert store.identity("AKIAUNKNOWN000000000", "111122223333") is None


def test_identity_keys_keep_the_old_secret_lookup_working() -> None:
    store = CredentialStore.local(identities=[ALICE])
    assert store.secret(ALICE.access_key) == ALICE.secret_key
    assert store.identity(ALICE.access_key, "ignored") is ALICE
    assert store.secret("test") == "test"


def test_derived_keys_look_like_aws_keys_and_are_stable() -> None:
    key_id, secret = derived_key_pair("stack", "Key")
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key_id)
    assert len(secret) == 40
    assert derived_key_pair("stack", "Key") == (key_id, secret)
    assert derived_key_pair("stack", "Other")[0] != key_id
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", derived_principal_id("AIDA", "stack", "User"))


def test_functions_sign_as_one_assumed_role_with_their_token() -> None:
    identity = function_identity("123456789012")
    assert identity.access_key == LOCAL_ACCESS_KEY_ID
    assert identity.session_token == LOCAL_SESSION_TOKEN
    assert identity.arn == "arn:aws:sts::123456789012:assumed-role/lamina-function/lamina"
    assert identity.principal_id.startswith("AROA")
    assert identity.principal_id.endswith(":lamina")
