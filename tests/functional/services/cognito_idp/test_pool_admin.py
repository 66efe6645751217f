"""Pool and app-client administration through boto3: ListUserPoolClients (paging),
UpdateUserPoolClient / UpdateUserPool (what is not given returns to its default),
DeleteUserPoolClient, user pool domains, tags, the MFA configuration, the signing
certificate, GetIdentityProviderByIdentifier.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import Clock, CognitoServer, HostedServer

ARN = "arn:aws:lambda:us-east-1:123456789012:function:pre"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _pool(admin: Any, **options: Any) -> str:
    return str(admin.create_user_pool(PoolName="users", **options)["UserPool"]["Id"])


def test_list_user_pool_clients_pages(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    made = [
        admin.create_user_pool_client(UserPoolId=pool_id, ClientName=f"c{i}")["UserPoolClient"]
        for i in range(5)
    ]
    first = admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=2)
    assert [c["ClientName"] for c in first["UserPoolClients"]] == ["c0", "c1"]
    assert set(first["UserPoolClients"][0]) == {"ClientId", "UserPoolId", "ClientName"}
    assert first["UserPoolClients"][0]["UserPoolId"] == pool_id
    seen = [c["ClientId"] for c in first["UserPoolClients"]]
    token = first["NextToken"]
    while token:
        page = admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=2, NextToken=token)
        seen += [c["ClientId"] for c in page["UserPoolClients"]]
        token = page.get("NextToken")
    assert seen == [c["ClientId"] for c in made]
    everything = admin.list_user_pool_clients(UserPoolId=pool_id)
    assert "NextToken" not in everything and len(everything["UserPoolClients"]) == 5
    paginator = admin.get_paginator("list_user_pool_clients")
    pages = list(paginator.paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 3}))
    assert sum(len(p["UserPoolClients"]) for p in pages) == 5
    with pytest.raises(ClientError) as error:
        admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=61)
    assert _error(error)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        admin.list_user_pool_clients(UserPoolId="us-east-1_missing00")
    assert _error(error) == (
        "ResourceNotFoundException",
        "User pool us-east-1_missing00 does not exist.",
    )


def test_update_user_pool_client_resets_what_it_is_not_given(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    client = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=["https://app.example.com/cb"],
        SupportedIdentityProviders=["COGNITO"],
        AccessTokenValidity=2,
    )["UserPoolClient"]
    client_id, secret = client["ClientId"], client["ClientSecret"]
    updated = admin.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientName="web2",
        CallbackURLs=["https://app.example.com/other"],
        EnableTokenRevocation=False,
    )["UserPoolClient"]
    # Only what was given survives; the rest is back to defaults (the API reference's
    # "If you don't provide a value for an attribute, Amazon Cognito sets it to its
    # default value").
    assert updated["ClientName"] == "web2"
    assert updated["CallbackURLs"] == ["https://app.example.com/other"]
    assert updated["ExplicitAuthFlows"] == []
    assert updated["AllowedOAuthFlows"] == []
    assert updated["AllowedOAuthScopes"] == []
    assert updated["SupportedIdentityProviders"] == []
    assert updated["AllowedOAuthFlowsUserPoolClient"] is False
    assert updated["AccessTokenValidity"] == 60
    assert updated["EnableTokenRevocation"] is False
    # The id, secret and creation date never change.
    assert updated["ClientId"] == client_id and updated["ClientSecret"] == secret
    assert updated["CreationDate"] == client["CreationDate"]
    described = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert described["UserPoolClient"]["CallbackURLs"] == ["https://app.example.com/other"]
    with pytest.raises(ClientError) as error:
        admin.update_user_pool_client(UserPoolId=pool_id, ClientId="nope")
    assert _error(error) == ("ResourceNotFoundException", "User pool client nope does not exist.")
    with pytest.raises(ClientError) as error:
        admin.update_user_pool_client(
            UserPoolId=pool_id, ClientId=client_id, AllowedOAuthScopes=["orders/read"]
        )
    assert _error(error) == ("ScopeDoesNotExistException", "Invalid scope requested: orders/read")


def test_client_credentials_flow_rules(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    with pytest.raises(ClientError) as error:
        admin.create_user_pool_client(
            UserPoolId=pool_id, ClientName="m2m", AllowedOAuthFlows=["client_credentials"]
        )
    assert _error(error) == (
        "InvalidOAuthFlowException",
        "client_credentials flow can not be selected if client does not have a client secret.",
    )
    with pytest.raises(ClientError) as error:
        admin.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="m2m",
            GenerateSecret=True,
            AllowedOAuthFlows=["client_credentials", "code"],
        )
    assert _error(error)[0] == "InvalidOAuthFlowException"


def test_delete_user_pool_client(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    client_id = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="web")[
        "UserPoolClient"
    ]["ClientId"]
    admin.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert admin.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"] == []
    with pytest.raises(ClientError) as error:
        admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert _error(error)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        admin.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert _error(error) == (
        "ResourceNotFoundException",
        f"User pool client {client_id} does not exist.",
    )
    # The deleted client can no longer sign anyone in.
    with pytest.raises(ClientError) as error:
        server.public().initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "a", "PASSWORD": "b"},
        )
    assert _error(error)[0] == "ResourceNotFoundException"


def test_update_user_pool_replaces_settings_and_keeps_sign_in_attributes(
    server: CognitoServer,
) -> None:
    admin = server.admin()
    pool_id = _pool(
        admin,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True}},
        LambdaConfig={"PreSignUp": ARN},
        DeletionProtection="ACTIVE",
        EmailVerificationSubject="Your code",
        UserPoolTags={"team": "web"},
    )
    admin.update_user_pool(
        UserPoolId=pool_id,
        Policies={"PasswordPolicy": {"MinimumLength": 10}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )
    pool = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert pool["Policies"]["PasswordPolicy"]["RequireNumbers"] is False
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    # Not given: back to defaults.
    assert pool["LambdaConfig"] == {}
    assert pool["AutoVerifiedAttributes"] == []
    assert pool["DeletionProtection"] == "INACTIVE"
    assert "EmailVerificationSubject" not in pool
    assert pool["UserPoolTags"] == {}
    # Not changeable by UpdateUserPool: kept.
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["EstimatedNumberOfUsers"] == 0
    admin.admin_create_user(UserPoolId=pool_id, Username="a@example.com", MessageAction="SUPPRESS")
    assert admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"] == 1
    assert pool["Name"] == "users"
    admin.update_user_pool(UserPoolId=pool_id, PoolName="renamed")
    renamed = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert renamed["Name"] == "renamed"
    # No policy given: Cognito's default policy.
    assert renamed["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert renamed["Policies"]["PasswordPolicy"]["RequireSymbols"] is True
    with pytest.raises(ClientError) as error:
        admin.update_user_pool(UserPoolId="us-east-1_missing00")
    assert _error(error)[0] == "ResourceNotFoundException"


def test_user_pool_domain_lifecycle(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    other = _pool(admin)
    assert admin.describe_user_pool_domain(Domain="myapp")["DomainDescription"] == {}
    created = admin.create_user_pool_domain(UserPoolId=pool_id, Domain="myapp")
    assert created["ManagedLoginVersion"] == 1
    described = admin.describe_user_pool_domain(Domain="myapp")["DomainDescription"]
    assert described["UserPoolId"] == pool_id
    assert described["Domain"] == "myapp"
    assert described["Status"] == "ACTIVE"
    assert described["AWSAccountId"] == "123456789012"
    assert admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Domain"] == "myapp"
    with pytest.raises(ClientError) as error:
        admin.create_user_pool_domain(UserPoolId=other, Domain="myapp")
    assert _error(error) == (
        "InvalidParameterException",
        "Domain already associated with another user pool.",
    )
    with pytest.raises(ClientError) as error:
        admin.create_user_pool_domain(UserPoolId=pool_id, Domain="second")
    assert _error(error) == (
        "InvalidParameterException",
        "User pool already has a domain configured.",
    )
    updated = admin.update_user_pool_domain(
        UserPoolId=pool_id, Domain="myapp", ManagedLoginVersion=2
    )
    assert updated["ManagedLoginVersion"] == 2
    with pytest.raises(ClientError) as error:
        admin.delete_user_pool_domain(UserPoolId=other, Domain="myapp")
    assert _error(error) == ("InvalidParameterException", "No such domain or user pool exists.")
    admin.delete_user_pool_domain(UserPoolId=pool_id, Domain="myapp")
    assert admin.describe_user_pool_domain(Domain="myapp")["DomainDescription"] == {}
    assert "Domain" not in admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    with pytest.raises(ClientError) as error:
        admin.create_user_pool_domain(UserPoolId="us-east-1_missing00", Domain="x")
    assert _error(error)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        admin.create_user_pool_domain(UserPoolId=pool_id, Domain="My_App")
    assert _error(error) == (
        "InvalidParameterException",
        "The domain name contains an invalid character. Domain names can only contain "
        "lower-case letters, numbers, and hyphens. Please enter a different name that "
        "follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$",
    )


def test_domain_serves_hosted_pages(tmp_path: Path, clock: Clock) -> None:
    """A domain made through the API routes `{domain}.auth.localhost` to the pool's hosted
    endpoints, as a template's UserPoolDomain does; deleting it stops that."""
    server = HostedServer(tmp_path, clock)
    try:
        admin = server.admin()
        pool_id = _pool(admin)
        host = {"host": f"apidomain.auth.localhost:{server.url.rsplit(':', 1)[1]}"}
        token_url = f"{server.url}/oauth2/token"
        assert httpx.get(token_url, headers=host, timeout=10).status_code != 405
        admin.create_user_pool_domain(UserPoolId=pool_id, Domain="apidomain")
        answer = httpx.get(token_url, headers=host, timeout=10)
        assert answer.status_code == 405 and answer.headers["allow"] == "POST"
        admin.delete_user_pool_domain(UserPoolId=pool_id, Domain="apidomain")
        assert httpx.get(token_url, headers=host, timeout=10).status_code != 405
    finally:
        server.close()


def test_custom_domain_is_described(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    answer = admin.create_user_pool_domain(
        UserPoolId=pool_id,
        Domain="auth.example.com",
        CustomDomainConfig={"CertificateArn": certificate},
    )
    assert answer["CloudFrontDomain"]
    described = admin.describe_user_pool_domain(Domain="auth.example.com")["DomainDescription"]
    assert described["CustomDomainConfig"] == {"CertificateArn": certificate}
    assert admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["CustomDomain"] == (
        "auth.example.com"
    )


def test_tags(server: CognitoServer) -> None:
    admin = server.admin()
    pool = admin.create_user_pool(PoolName="users", UserPoolTags={"team": "web"})["UserPool"]
    arn = pool["Arn"]
    assert admin.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "web"}
    admin.tag_resource(ResourceArn=arn, Tags={"stage": "dev", "team": "api"})
    assert admin.list_tags_for_resource(ResourceArn=arn)["Tags"] == {
        "team": "api",
        "stage": "dev",
    }
    admin.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert admin.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"stage": "dev"}
    assert admin.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["UserPoolTags"] == {
        "stage": "dev"
    }
    # A user pool can have as many as 50 tags.
    admin.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v" for i in range(49)})
    with pytest.raises(ClientError) as error:
        admin.tag_resource(ResourceArn=arn, Tags={"one": "too many"})
    assert _error(error)[0] == "InvalidParameterException"
    assert len(admin.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 50
    missing = arn.replace(pool["Id"], "us-east-1_missing00")
    for call in (
        lambda: admin.list_tags_for_resource(ResourceArn=missing),
        lambda: admin.tag_resource(ResourceArn=missing, Tags={"a": "b"}),
        lambda: admin.untag_resource(ResourceArn=missing, TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error(error)[0] == "ResourceNotFoundException"


def test_mfa_config_is_stored(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    assert admin.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"
    answer = admin.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    assert answer["MfaConfiguration"] == "OPTIONAL"
    assert answer["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    got = admin.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert got["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert got["MfaConfiguration"] == "OPTIONAL"
    assert admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == (
        "OPTIONAL"
    )
    with pytest.raises(ClientError) as error:
        admin.get_user_pool_mfa_config(UserPoolId="us-east-1_missing00")
    assert _error(error)[0] == "ResourceNotFoundException"


def test_signing_certificate_carries_the_pool_key(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    text = admin.get_signing_certificate(UserPoolId=pool_id)["Certificate"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(text))
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    jwk = server.provider.jwks(pool_id)
    assert jwk is not None
    n = int.from_bytes(base64.urlsafe_b64decode(jwk["keys"][0]["n"] + "=="), "big")
    assert key.public_numbers().n == n
    assert admin.get_signing_certificate(UserPoolId=pool_id)["Certificate"] == text
    with pytest.raises(ClientError) as error:
        admin.get_signing_certificate(UserPoolId="us-east-1_missing00")
    assert _error(error)[0] == "ResourceNotFoundException"


def test_identity_provider_by_identifier(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(admin)
    admin.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Corp",
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": "abc",
            "authorize_scopes": "openid",
            "oidc_issuer": "https://idp.example.com",
            "attributes_request_method": "GET",
        },
        IdpIdentifiers=["corp.example.com"],
    )
    found = admin.get_identity_provider_by_identifier(
        UserPoolId=pool_id, IdpIdentifier="corp.example.com"
    )["IdentityProvider"]
    assert found["ProviderName"] == "Corp" and found["ProviderType"] == "OIDC"
    assert found["IdpIdentifiers"] == ["corp.example.com"]
    with pytest.raises(ClientError) as error:
        admin.get_identity_provider_by_identifier(UserPoolId=pool_id, IdpIdentifier="other")
    assert _error(error)[0] == "ResourceNotFoundException"


def test_add_custom_attributes(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id = _pool(
        admin, Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}]
    )
    admin.add_custom_attributes(
        UserPoolId=pool_id,
        CustomAttributes=[{"Name": "level", "AttributeDataType": "Number", "Mutable": True}],
    )
    schema = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert {"Name": "custom:level", "AttributeDataType": "Number", "Mutable": True} in schema
    for name in ("level", "team"):
        with pytest.raises(ClientError) as error:
            admin.add_custom_attributes(
                UserPoolId=pool_id,
                CustomAttributes=[{"Name": name, "AttributeDataType": "String"}],
            )
        assert _error(error) == (
            "InvalidParameterException",
            f"custom:{name}: Existing attribute already has name custom:{name}.",
        )
    with pytest.raises(ClientError) as error:
        admin.add_custom_attributes(
            UserPoolId=pool_id,
            CustomAttributes=[{"Name": "must", "AttributeDataType": "String", "Required": True}],
        )
    assert _error(error)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        admin.add_custom_attributes(
            UserPoolId="us-east-1_missing00",
            CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}],
        )
    assert _error(error)[0] == "ResourceNotFoundException"
