"""GET /info: the venue's notices from PostgreSQL. Where the database is (host, port, user,
database, and a password when there is one) comes from Secrets Manager on each cold start,
never from the code or the environment."""

import json
import os

import boto3
import psycopg
from respond import reply

_connection = None


def handler(event, context):
    try:
        with _connect().cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT title, body FROM tickets_notices ORDER BY position")
            notices = [{"title": title, "body": body} for title, body in cursor.fetchall()]
    except psycopg.errors.UndefinedTable:
        return reply(503, {"message": "no venue information yet: run SeedFunction once"})
    return reply(200, {"database": f"PostgreSQL {version}", "notices": notices})


def _connect():
    """One connection per execution environment, opened again if the server dropped it."""
    global _connection
    if _connection is None or _connection.closed:
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["DB_SECRET"])
        _connection = psycopg.connect(**connection_settings(secret["SecretString"]))
    return _connection


def connection_settings(secret_string):
    """psycopg's keywords from the secret's JSON (the keys RDS's own secrets use)."""
    secret = json.loads(secret_string)
    settings = {
        "host": secret["host"],
        "port": int(secret.get("port", 5432)),
        "dbname": secret.get("dbname", "postgres"),
        "user": secret["username"],
        "connect_timeout": 5,
        "autocommit": True,
    }
    if secret.get("password"):
        settings["password"] = secret["password"]
    return settings
