"""CreateApiKey, GetApiKey, GetApiKeys, UpdateApiKey, DeleteApiKey, ImportApiKeys.

Keys are not per API: a change tells on_change "" (rebuild everything), since the data
plane's usage plans hold the keys' values.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateApiKey.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

import csv
import io
import random
import string
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Transaction
from lamina.services.apigateway import patching
from lamina.services.apigateway.deploy_records import (
    EVERYTHING,
    ApiKey,
    Records,
    UsagePlanKey,
    render,
)
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.ids import API_ID_LENGTH, new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.state import ApiGatewayState

# A key's value is 20-128 characters; generated ones are 40 letters and digits.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-file-format.html
MIN_VALUE, MAX_VALUE, GENERATED_LENGTH = 20, 128, 40
_VALUE_ALPHABET = string.ascii_letters + string.digits
API_KEY_TYPE = "API_KEY"
DUPLICATE_VALUE = "API Key already exists"
"""CreateApiKey's ConflictException for a value another key has, made through the API or
adopted from a template (usage_adopt.py refuses a template key's clash with the same words);
UpdateApiKey cannot change a value (its patch paths have no /value)."""


def api_key_not_found() -> Exception:
    return not_found("Invalid API Key identifier specified")


def api_key(records: Records, key_id: str, tx: Reader | None = None) -> ApiKey:
    record = records.api_keys.get(key_id, tx)
    if record is None:
        raise api_key_not_found()
    return record


def api_key_output(record: ApiKey, include_value: bool) -> dict[str, Any]:
    out = render(record)
    if not include_value:
        out.pop("value")
    return out


def _check_value(value: str, records: Records, tx: Reader, own_id: str | None = None) -> None:
    if len(value) < MIN_VALUE:
        raise bad_request(f"API Key value should be at least {MIN_VALUE} characters")
    if len(value) > MAX_VALUE:
        raise bad_request(f"API Key value exceeds maximum size of {MAX_VALUE} characters")
    if any(key.value == value and key.id != own_id for key in records.api_keys.all("", tx)):
        raise conflict(DUPLICATE_VALUE)


def _stage_key(records: Records, text: str, tx: Reader) -> str:
    """A stage key, "{restApiId}/{stageName}", checked to name an existing stage."""
    api_id, _, stage = text.partition("/")
    if not api_id or not stage or records.stages.get(f"{api_id}/{stage}", tx) is None:
        raise bad_request("Invalid stage key specified")
    return f"{api_id}/{stage}"


def _create_api_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, now = Records(state.store), state.now()
    with state.store.transaction() as tx:
        value = params.get("value")
        if value is None:
            value = "".join(random.choices(_VALUE_ALPHABET, k=GENERATED_LENGTH))
        _check_value(value, records, tx)
        stage_keys = [
            _stage_key(records, f"{key.get('restApiId', '')}/{key.get('stageName', '')}", tx)
            for key in params.get("stageKeys") or ()
        ]
        record = ApiKey(
            id=new_id(API_ID_LENGTH),
            value=value,
            created_date=now,
            last_updated_date=now,
            name=params.get("name"),
            customer_id=params.get("customerId"),
            description=params.get("description"),
            enabled=bool(params.get("enabled", False)),
            stage_keys=stage_keys,
            tags=dict(params["tags"]) if params.get("tags") else None,
        )
        records.api_keys.put(record.id, record, tx)
    state.changed(EVERYTHING)
    return api_key_output(record, include_value=True)


def _get_api_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    record = api_key(Records(state.store), params["apiKey"])
    return api_key_output(record, bool(params.get("includeValue")))


def _get_api_keys(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # nameQuery matches names that start with it.
    # https://docs.aws.amazon.com/apigateway/latest/api/API_GetApiKeys.html
    name, customer = params.get("nameQuery"), params.get("customerId")
    include = bool(params.get("includeValues"))
    items = [
        api_key_output(record, include)
        for record in Records(state.store).api_keys.all()
        if (name is None or (record.name or "").startswith(name))
        and (customer is None or record.customer_id == customer)
    ]
    return page(items, params)


def _update_api_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html (UpdateApiKey)
    records = Records(state.store)
    with state.store.transaction() as tx:
        record = api_key(records, params["apiKey"], tx)
        for patch in patching.patches(params, "updateApiKeyInput"):
            _apply(records, record, patch, tx)
        record.last_updated_date = state.now()
        records.api_keys.put(record.id, record, tx)
    state.changed(EVERYTHING)
    return api_key_output(record, include_value=False)


def _apply(
    records: Records,
    record: ApiKey,
    patch: patching.Patch,
    tx: Reader,
) -> None:
    path, op = patch.path, patch.op
    if path == "/stages":
        if op == "add":
            key = _stage_key(records, patching.required(patch), tx)
            if key not in record.stage_keys:
                record.stage_keys = [*record.stage_keys, key]
        elif op == "remove":
            record.stage_keys = [k for k in record.stage_keys if k != patch.value]
        else:
            raise patching.invalid_op(patch)
        return
    if path not in ("/name", "/description", "/customerId", "/enabled"):
        raise patching.invalid_path(path)
    if op != "replace":
        raise patching.invalid_op(patch)
    if path == "/enabled":
        record.enabled = patching.to_bool(patch)
    elif path == "/name":
        record.name = patch.value
    elif path == "/description":
        record.description = patch.value
    else:
        record.customer_id = patch.value


def _delete_api_key(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    with state.store.transaction() as tx:
        record = api_key(records, params["apiKey"], tx)
        records.api_keys.delete(record.id, tx)
        for plan in records.usage_plans.all("", tx):
            records.plan_keys.delete(f"{plan.id}/{record.id}", tx)
    state.changed(EVERYTHING)
    return {}


def _import_api_keys(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-file-format.html
    if params.get("format") != "csv":
        raise bad_request("Invalid format specified. Must be 'csv'")
    rows = _csv_rows(bytes(params["body"]))
    records, ids, warnings = Records(state.store), [], []
    with state.store.transaction() as tx:
        for line, row in rows:
            try:
                ids.append(_import_row(state, records, row, tx))
            except _RowWarning as warning:
                if params.get("failOnWarnings"):
                    raise bad_request(f"Row {line}: {warning}") from None
                warnings.append(f"Row {line}: {warning}")
    if ids:
        state.changed(EVERYTHING)
    output: OperationOutput = {"ids": ids}
    if warnings:
        output["warnings"] = warnings
    return output


class _RowWarning(Exception):
    """A row ImportApiKeys skips (or refuses, with failOnWarnings)."""


def _csv_rows(body: bytes) -> list[tuple[int, dict[str, str]]]:
    text = body.decode("utf-8-sig")
    # UsagePlanIds lists go in double or single quotes.
    quote = "'" if "'" in text and '"' not in text else '"'
    reader = csv.reader(io.StringIO(text), quotechar=quote)
    header = [column.strip().lower() for column in next(reader, [])]
    if "key" not in header or "name" not in header:
        raise bad_request("The API key file must contain the Name and Key columns")
    return [
        (number, dict(zip(header, (cell.strip() for cell in cells), strict=False)))
        for number, cells in enumerate(reader, start=2)
        if any(cell.strip() for cell in cells)
    ]


def _import_row(
    state: ApiGatewayState, records: Records, row: dict[str, str], tx: Transaction
) -> str:
    """Create the row's key, or overwrite the key with the same value; associate its plans."""
    value, now = row.get("key", ""), state.now()
    if not MIN_VALUE <= len(value) <= MAX_VALUE:
        raise _RowWarning(f"Key must be between {MIN_VALUE} and {MAX_VALUE} characters")
    if len(row.get("name", "")) > 1024:
        raise _RowWarning("Name must not exceed 1024 characters")
    existing = next((k for k in records.api_keys.all("", tx) if k.value == value), None)
    record = existing or ApiKey(
        id=new_id(API_ID_LENGTH), value=value, created_date=now, last_updated_date=now
    )
    record.name = row.get("name") or None
    record.description = row.get("description") or None
    record.enabled = row.get("enabled", "true").lower() != "false"
    record.last_updated_date = now
    plans = [p.strip(" '\"") for p in row.get("usageplanids", "").split(",") if p.strip(" '\"")]
    for plan_id in plans:
        if records.usage_plans.get(plan_id, tx) is None:
            raise _RowWarning(f"Invalid Usage Plan ID specified: {plan_id}")
    records.api_keys.put(record.id, record, tx)
    for plan_id in plans:
        key = UsagePlanKey(usage_plan_id=plan_id, key_id=record.id, key_type=API_KEY_TYPE)
        records.plan_keys.put(f"{plan_id}/{record.id}", key, tx)
    return record.id


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateApiKey": _create_api_key,
    "GetApiKey": _get_api_key,
    "GetApiKeys": _get_api_keys,
    "UpdateApiKey": _update_api_key,
    "DeleteApiKey": _delete_api_key,
    "ImportApiKeys": _import_api_keys,
}
