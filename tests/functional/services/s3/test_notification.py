"""Bucket notification configurations through boto3: what S3 refuses, and which event each
operation publishes (to a FunctionTarget that keeps what it is sent; the real Lambda
delivery is tests/e2e/test_bucket_notifications.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.functional.services.s3.conftest import S3Server

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


class Recorder:
    """A FunctionTarget: every function exists and lets S3 invoke it, except `denied`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def refusal(self, function_arn: str, bucket: str) -> str | None:
        if function_arn.endswith(":denied"):
            return f"Not authorized to invoke function [{function_arn}]"
        return None

    async def send(self, function_arn: str, bucket: str, payload: bytes) -> None:
        self.sent.append((function_arn, json.loads(payload)))

    def events(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(function name, eventName, s3.object) of each record sent."""
        return [
            (arn.rsplit(":", 1)[1], record["eventName"], record["s3"]["object"])
            for arn, payload in self.sent
            for record in payload["Records"]
        ]


@pytest.fixture
def recorder(server: S3Server) -> Recorder:
    found = Recorder()
    server.provider.state.events = found
    return found


def _rule(function: str, events: list[str], prefix: str = "", suffix: str = "") -> dict[str, Any]:
    rule: dict[str, Any] = {"LambdaFunctionArn": ARN + function, "Events": events}
    filters = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    if filters:
        rule["Filter"] = {"Key": {"FilterRules": filters}}
    return rule


def _put(s3: Any, bucket: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": list(rules)}
    )


def test_an_unconfigured_bucket_answers_an_empty_configuration(s3: Any, bucket: str) -> None:
    answer = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert "LambdaFunctionConfigurations" not in answer


def test_the_configuration_round_trips_with_generated_ids(
    s3: Any, bucket: str, recorder: Recorder
) -> None:
    _put(s3, bucket, _rule("f", ["s3:ObjectCreated:*"], prefix="in/", suffix=".jpg"))
    (rule,) = s3.get_bucket_notification_configuration(Bucket=bucket)[
        "LambdaFunctionConfigurations"
    ]
    assert rule["Id"]
    assert rule["LambdaFunctionArn"] == ARN + "f"
    assert rule["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "in/"},
        {"Name": "Suffix", "Value": ".jpg"},
    ]
    _put(s3, bucket)  # an empty configuration turns notifications off
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(
        Bucket=bucket
    )


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            [
                _rule("a", ["s3:ObjectCreated:*"], "in/"),
                _rule("b", ["s3:ObjectCreated:Put"], "in/x"),
            ],
            "Configurations overlap. Configurations on the same bucket cannot share a common "
            "event type.",
        ),
        (
            [_rule("a", ["s3:ObjectCreated:*"], suffix=".jpg"), _rule("b", ["s3:ObjectCreated:*"])],
            "Configurations overlap. Configurations on the same bucket cannot share a common "
            "event type.",
        ),
        (
            [
                {
                    "LambdaFunctionArn": ARN + "a",
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}},
                }
            ],
            "filter rule name must be either prefix or suffix",
        ),
        ([_rule("a", ["s3:ObjectEaten:*"])], "The event is not supported for notifications"),
        (
            [_rule("denied", ["s3:ObjectCreated:*"])],
            "Unable to validate the following destination configurations",
        ),
    ],
)
def test_configurations_s3_refuses(
    s3: Any, bucket: str, recorder: Recorder, rules: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ClientError) as refused:
        _put(s3, bucket, *rules)
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert refused.value.response["Error"]["Message"] == message


def test_rules_on_different_prefixes_or_events_do_not_overlap(
    s3: Any, bucket: str, recorder: Recorder
) -> None:
    _put(
        s3,
        bucket,
        _rule("images", ["s3:ObjectCreated:*"], prefix="images/"),
        _rule("docs", ["s3:ObjectCreated:*"], prefix="docs/"),
        _rule("removals", ["s3:ObjectRemoved:*"]),
    )
    assert (
        len(s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"])
        == 3
    )


def test_each_operation_publishes_its_event_type(
    server: S3Server, s3: Any, bucket: str, recorder: Recorder
) -> None:
    _put(
        s3,
        bucket,
        _rule("created", ["s3:ObjectCreated:*"]),
        _rule("removed", ["s3:ObjectRemoved:*"]),
        _rule("tagged", ["s3:ObjectTagging:*"]),
    )
    s3.put_object(Bucket=bucket, Key="a b.txt", Body=b"one")
    s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "a b.txt"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=1, Body=b"x")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big.bin",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    s3.put_object_tagging(
        Bucket=bucket, Key="copy.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
    )
    s3.delete_object(Bucket=bucket, Key="copy.txt")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "big.bin"}]})
    form = s3.generate_presigned_post(bucket, "posted.txt")
    posted = httpx.post(form["url"], data=form["fields"], files={"file": ("p", b"p")}, timeout=10)
    assert posted.status_code == 204
    names = [(function, name, obj["key"]) for function, name, obj in recorder.events()]
    assert names == [
        ("created", "ObjectCreated:Put", "a+b.txt"),
        ("created", "ObjectCreated:Copy", "copy.txt"),
        ("created", "ObjectCreated:CompleteMultipartUpload", "big.bin"),
        ("tagged", "ObjectTagging:Put", "copy.txt"),
        ("removed", "ObjectRemoved:Delete", "copy.txt"),
        ("removed", "ObjectRemoved:Delete", "big.bin"),
        ("created", "ObjectCreated:Post", "posted.txt"),
    ]
    multipart = recorder.events()[2][2]
    assert multipart["eTag"].endswith("-1")
    assert multipart["size"] == 1
    tagging = recorder.sent[3][1]["Records"][0]
    assert tagging["eventVersion"] == "2.3"
    sequencers = [obj["sequencer"] for _, _, obj in recorder.events()]
    assert sequencers == sorted(sequencers)


def test_versioned_buckets_name_versions_and_delete_markers(
    s3: Any, bucket: str, recorder: Recorder
) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    _put(s3, bucket, _rule("f", ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]))
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=version)
    events = recorder.events()
    assert [(name, obj.get("versionId")) for _, name, obj in events] == [
        ("ObjectCreated:Put", version),
        ("ObjectRemoved:DeleteMarkerCreated", marker),
        ("ObjectRemoved:Delete", version),
    ]


def test_filters_choose_the_keys(s3: Any, bucket: str, recorder: Recorder) -> None:
    _put(s3, bucket, _rule("f", ["s3:ObjectCreated:*"], prefix="in/", suffix=".jpg"))
    for key in ("in/a.jpg", "in/a.png", "out/a.jpg"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert [obj["key"] for _, _, obj in recorder.events()] == ["in/a.jpg"]


def test_a_quiet_delete_objects_still_publishes_each_removal(
    s3: Any, bucket: str, recorder: Recorder
) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    _put(s3, bucket, _rule("f", ["s3:ObjectRemoved:*"]))
    version = s3.put_object(Bucket=bucket, Key="a", Body=b"1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="b", Body=b"2")
    s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "a", "VersionId": version}, {"Key": "b"}], "Quiet": True},
    )
    events = [(name, obj["key"]) for _, name, obj in recorder.events()]
    assert events == [("ObjectRemoved:Delete", "a"), ("ObjectRemoved:DeleteMarkerCreated", "b")]
    marker = recorder.events()[1][2]["versionId"]
    assert s3.list_object_versions(Bucket=bucket)["DeleteMarkers"][0]["VersionId"] == marker
