"""POST /orders and GET /orders/{orderId}.

Placing an order calls two other services through the clients generated from their
APIs (the ClientsLayer): the users service says who the buyer is, the notifications
service keeps the confirmation for them.
"""

import json
import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def place(event, context):
    given = json.loads(event["body"] or "{}")
    user_id, item = str(given.get("userId", "")), str(given.get("item", "")).strip()
    quantity = given.get("quantity", 1)
    if not user_id or not item or not isinstance(quantity, int) or quantity < 1:
        return _json(400, {"message": "an order needs a userId, an item and a quantity >= 1"})
    user = _buyer(user_id)
    if user is None:
        return _json(422, {"message": f"the users service knows no user {user_id}"})
    order = {"id": uuid.uuid4().hex, "userId": user_id, "item": item, "quantity": quantity}
    table.put_item(Item=order)
    notification = _notify(
        user_id, f"Hello {user['name']}, your order of {quantity} x {item} is placed."
    )
    return _json(200, {**order, "notificationId": notification["id"]})


def get(event, context):
    order = table.get_item(Key={"id": event["pathParameters"]["orderId"]}).get("Item")
    if order is None:
        return _json(404, {"message": "no such order"})
    return _json(200, {**order, "quantity": int(order["quantity"])})


def _buyer(user_id):
    """The user, through the users service's client; None when it answers 404."""
    import users_client

    with users_client.ApiClient(_configuration(users_client, "USERS_API_URL")) as client:
        try:
            return users_client.DefaultApi(client).get_user(user_id)
        except users_client.ApiException as error:
            if error.status == 404:
                return None
            raise


def _notify(user_id, message):
    import notifications_client

    configuration = _configuration(notifications_client, "NOTIFICATIONS_API_URL")
    with notifications_client.ApiClient(configuration) as client:
        api = notifications_client.DefaultApi(client)
        return api.send_notification({"userId": user_id, "message": message})


def _configuration(package, variable):
    """The stack parameter's URL, else the address the client was generated for."""
    url = os.environ.get(variable)
    return package.Configuration(host=url) if url else package.Configuration()


def _json(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
