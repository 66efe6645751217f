"""Users (admin and self-service) and groups.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
"""

from __future__ import annotations

import secrets as random
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp.attribute_operations import update_attributes
from lamina.services.cognito_idp.model import (
    Group,
    Pool,
    User,
)
from lamina.services.cognito_idp.shapes import (
    ID_CHARS,
    attribute_list,
    attributes_of,
    time_of,
    user_type,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


async def _admin_create_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
    pool = idp.pool(params["UserPoolId"])
    username = params["Username"]
    attributes = attributes_of(params.get("UserAttributes"))
    key = username
    if "email" in pool.username_attributes and "@" in username:
        attributes.setdefault("email", username)
        key = str(uuid.uuid4())
    if idp.find_user(pool, username) is not None:
        raise ServiceError("UsernameExistsException", "User account already exists")
    now = idp.now()
    user = User(
        username=key,
        sub=key if key != username else str(uuid.uuid4()),
        created=now,
        modified=now,
        status="FORCE_CHANGE_PASSWORD",
        attributes=attributes,
        temporary_expires=now + pool.password_policy.TemporaryPasswordValidityDays * 86_400,
    )
    temporary = params.get("TemporaryPassword") or _temporary_password(pool)
    idp.check_password(pool, temporary)
    idp.set_password(pool, user, temporary)
    if params.get("MessageAction") != "SUPPRESS":
        idp.outbox.send(
            pool, user, "EMAIL", attributes.get("email", ""), f"temporary password {temporary}"
        )
    idp.save(pool, user)
    return {"User": user_type(user)}


def _temporary_password(pool: Pool) -> str:
    length = max(pool.password_policy.MinimumLength, 12)
    while True:
        candidate = "".join(random.choice(ID_CHARS + "!#%&*") for _ in range(length))
        if (
            any(c.isupper() for c in candidate)
            and any(c.islower() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in "!#%&*" for c in candidate)
        ):
            return candidate


async def _admin_set_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    idp.check_password(pool, params["Password"])
    idp.set_password(pool, user, params["Password"])
    if params.get("Permanent"):
        user.status = "CONFIRMED"
        user.temporary_expires = None
    else:
        user.status = "FORCE_CHANGE_PASSWORD"
    idp.save(pool, user)
    return {}


async def _admin_get_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    output: dict[str, Any] = {
        "Username": user.username,
        "UserAttributes": attribute_list(user),
        "UserCreateDate": time_of(user.created),
        "UserLastModifiedDate": time_of(user.modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }
    if user.mfa_options:
        output["MFAOptions"] = [dict(option) for option in user.mfa_options]
    return output


async def _admin_delete_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    idp.store.delete(User, pool.id, user.username)
    return {}


async def _admin_set_enabled(
    idp: CognitoIdpProvider, params: OperationInput, enabled: bool
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.enabled = enabled
    idp.save(pool, user)
    return {}


async def _admin_disable(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return await _admin_set_enabled(idp, params, False)


async def _admin_enable(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return await _admin_set_enabled(idp, params, True)


async def _admin_update_attributes(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    update_attributes(idp, pool, user, attributes_of(params.get("UserAttributes")))
    idp.save(pool, user)
    return {}


async def _get_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    _, user, _ = idp.from_access_token(params["AccessToken"])
    output: dict[str, Any] = {"Username": user.username, "UserAttributes": attribute_list(user)}
    if user.mfa_options:
        output["MFAOptions"] = [dict(option) for option in user.mfa_options]
    return output


async def _update_user_attributes(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    deliveries = update_attributes(idp, pool, user, attributes_of(params.get("UserAttributes")))
    idp.save(pool, user)
    return {"CodeDeliveryDetailsList": deliveries}


async def _delete_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    idp.store.delete(User, pool.id, user.username)
    return {}


async def _change_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    if not idp.password_matches(user, params.get("PreviousPassword") or ""):
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    idp.check_password(pool, params["ProposedPassword"])
    idp.set_password(pool, user, params["ProposedPassword"])
    idp.save(pool, user)
    return {}


async def _global_sign_out(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # Every token issued so far stops working (access tokens and refresh tokens).
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    user.tokens_revoked_at = int(idp.now()) + 1
    idp.save(pool, user)
    return {}


async def _admin_user_global_sign_out(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.tokens_revoked_at = int(idp.now()) + 1
    idp.save(pool, user)
    return {}


async def _list_users(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    users = idp.store.all(User, pool.id)
    wanted = _user_filter(params.get("Filter"))
    users = [user for user in users if wanted(user)]
    chunk, token = offset_page(users, params.get("PaginationToken"), _limit(params))
    output: dict[str, Any] = {"Users": [user_type(user) for user in chunk]}
    if token is not None:
        output["PaginationToken"] = token
    return output


def _user_filter(expression: str | None) -> Callable[[User], bool]:
    """`attribute = "value"` (exact) or `attribute ^= "value"` (prefix).
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html
    """
    if not expression:
        return lambda user: True
    prefix = "^=" in expression
    name, _, value = expression.partition("^=" if prefix else "=")
    name, value = name.strip(), value.strip().strip('"')

    def read(user: User) -> str:
        if name == "username":
            return user.username
        if name == "sub":
            return user.sub
        if name == "status":
            return "Enabled" if user.enabled else "Disabled"
        if name == "cognito:user_status":
            return user.status
        return user.attributes.get(name, "")

    if prefix:
        return lambda user: read(user).startswith(value)
    return lambda user: read(user) == value


async def _create_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    name = params["GroupName"]
    if idp.store.get(Group, pool.id, name) is not None:
        raise ServiceError("GroupExistsException", "A group with the name already exists.")
    now = idp.now()
    group = Group(
        name=name,
        pool_id=pool.id,
        created=now,
        modified=now,
        description=params.get("Description"),
        precedence=params.get("Precedence"),
        role_arn=params.get("RoleArn"),
    )
    idp.store.put(pool.id, name, group)
    return {"Group": _group_type(group)}


def _group_type(group: Group) -> dict[str, Any]:
    described: dict[str, Any] = {
        "GroupName": group.name,
        "UserPoolId": group.pool_id,
        "LastModifiedDate": time_of(group.modified),
        "CreationDate": time_of(group.created),
    }
    for key, value in (
        ("Description", group.description),
        ("Precedence", group.precedence),
        ("RoleArn", group.role_arn),
    ):
        if value is not None:
            described[key] = value
    return described


def _group(idp: CognitoIdpProvider, pool: Pool, name: str) -> Group:
    found = idp.store.get(Group, pool.id, name)
    if found is None:
        raise ServiceError("ResourceNotFoundException", "Group not found.")
    return found


async def _add_to_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    user = idp.user(pool, params["Username"])
    if group.name not in user.groups:
        user.groups.append(group.name)
        idp.save(pool, user)
    return {}


async def _remove_from_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    user = idp.user(pool, params["Username"])
    if group.name in user.groups:
        user.groups.remove(group.name)
        idp.save(pool, user)
    return {}


def _limit(params: OperationInput) -> int:
    """Limit 0-60; 0 or none means 60, the most a page holds.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListGroups.html
    """
    return int(params.get("Limit") or 60)


def _paged(key: str, items: list[dict[str, Any]], params: OperationInput) -> OperationOutput:
    chunk, token = offset_page(items, params.get("NextToken"), _limit(params))
    output: dict[str, Any] = {key: list(chunk)}
    if token is not None:
        output["NextToken"] = token
    return output


async def _groups_for_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    names = idp.groups_of(pool, user)
    groups = [_group_type(_group(idp, pool, name)) for name in names]
    return _paged("Groups", groups, params)


async def _list_groups(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    groups = [_group_type(group) for group in idp.store.all(Group, pool.id)]
    return _paged("Groups", groups, params)


async def _list_users_in_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    users = [user_type(u) for u in idp.store.all(User, pool.id) if group.name in u.groups]
    return _paged("Users", users, params)


async def _get_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetGroup.html
    pool = idp.pool(params["UserPoolId"])
    return {"Group": _group_type(_group(idp, pool, params["GroupName"]))}


async def _update_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """Only the properties given change ("updates any of the properties for precedence, IAM
    role, or description").
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateGroup.html
    """
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    if "Description" in params:
        group.description = params["Description"]
    if "Precedence" in params:
        group.precedence = params["Precedence"]
    if "RoleArn" in params:
        group.role_arn = params["RoleArn"]
    group.modified = idp.now()
    idp.store.put(pool.id, group.name, group)
    return {"Group": _group_type(group)}


async def _delete_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The group goes, and its members leave it: their next tokens' `cognito:groups` no
    longer name it.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteGroup.html
    """
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    for user in idp.store.all(User, pool.id):
        if group.name in user.groups:
            user.groups.remove(group.name)
            idp.store.put(pool.id, user.username, user)
    idp.store.delete(Group, pool.id, group.name)
    return {}


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "AdminCreateUser": _admin_create_user,
    "AdminSetUserPassword": _admin_set_password,
    "AdminGetUser": _admin_get_user,
    "AdminDeleteUser": _admin_delete_user,
    "AdminDisableUser": _admin_disable,
    "AdminEnableUser": _admin_enable,
    "AdminUpdateUserAttributes": _admin_update_attributes,
    "AdminUserGlobalSignOut": _admin_user_global_sign_out,
    "GetUser": _get_user,
    "UpdateUserAttributes": _update_user_attributes,
    "DeleteUser": _delete_user,
    "ChangePassword": _change_password,
    "GlobalSignOut": _global_sign_out,
    "ListUsers": _list_users,
    "CreateGroup": _create_group,
    "AdminAddUserToGroup": _add_to_group,
    "AdminRemoveUserFromGroup": _remove_from_group,
    "AdminListGroupsForUser": _groups_for_user,
    "ListGroups": _list_groups,
    "ListUsersInGroup": _list_users_in_group,
    "GetGroup": _get_group,
    "UpdateGroup": _update_group,
    "DeleteGroup": _delete_group,
}
