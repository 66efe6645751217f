"""rest-xml against botocore's S3 model: XML payloads in, headers/status/XML out, S3's
error document, virtual-hosted addressing, and SigV2 presigned URLs as botocore signs them.

https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
from botocore.auth import HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.aws.credentials import CredentialStore
from lamina.aws.model import ModelLibrary
from lamina.aws.rest_xml import (
    XmlOptions,
    parse_rest_xml,
    path_style,
    render_rest_xml_error,
    serialize_rest_xml,
    xml_body,
)
from lamina.aws.service import ServiceError
from lamina.aws.shape import ShapeMismatch
from lamina.aws.sigv2 import authenticate_query_v2, read_query_signature
from lamina.http.message import HttpRequest

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
OPTIONS = XmlOptions({"ListObjectsV2": "ListBucketResult", "ListBuckets": "X"}, NS)


@pytest.fixture(scope="module")
def s3() -> Any:
    return ModelLibrary().spec("s3")


def _request(method: str, path: str, query: str = "", body: bytes = b"", **headers: str) -> Any:
    return HttpRequest(
        method=method,
        path=path,
        query_string=query,
        headers=[(k.replace("_", "-"), v) for k, v in headers.items()],
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


def _members(element: ElementTree.Element) -> list[str]:
    return [child.tag.rpartition("}")[2] for child in element]


def test_delete_payload_reads_flattened_objects(s3: Any) -> None:
    body = (
        f'<Delete xmlns="{NS}"><Object><Key>a</Key></Object>'
        "<Object><Key>b &amp; c</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>"
    ).encode()
    shape = s3.operation("DeleteObjects").input_shape.members["Delete"]
    assert xml_body(shape, body) == {
        "Objects": [{"Key": "a"}, {"Key": "b & c", "VersionId": "v1"}],
        "Quiet": True,
    }


def test_complete_multipart_payload_and_uri_labels(s3: Any) -> None:
    body = (
        b'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e1"</ETag></Part>'
        b'<Part><PartNumber>2</PartNumber><ETag>"e2"</ETag></Part></CompleteMultipartUpload>'
    )
    operation = s3.operation("CompleteMultipartUpload")
    request = _request("POST", "/bkt/a/b%20c", "uploadId=u1", body)
    parsed = parse_rest_xml(operation, request, {"Bucket": "bkt", "Key": "a/b c"})
    assert parsed["Key"] == "a/b c" and parsed["UploadId"] == "u1"
    assert parsed["MultipartUpload"]["Parts"] == [
        {"PartNumber": 1, "ETag": '"e1"'},
        {"PartNumber": 2, "ETag": '"e2"'},
    ]


def test_wrapped_list_tagging_payload(s3: Any) -> None:
    body = b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"
    shape = s3.operation("PutObjectTagging").input_shape.members["Tagging"]
    assert xml_body(shape, body) == {"TagSet": [{"Key": "k", "Value": "v"}]}


def test_malformed_xml_is_a_shape_mismatch(s3: Any) -> None:
    shape = s3.operation("PutObjectTagging").input_shape.members["Tagging"]
    with pytest.raises(ShapeMismatch):
        xml_body(shape, b"<Tagging><TagSet>")


def test_headers_metadata_and_blob_body_are_parsed(s3: Any) -> None:
    request = _request(
        "PUT",
        "/bkt/k",
        body=b"\x00\x01",
        Content_Type="text/plain",
        x_amz_meta_Color="blue",
        If_None_Match="*",
        Expires="Wed, 02 Jan 2030 03:04:05 GMT",
    )
    parsed = parse_rest_xml(s3.operation("PutObject"), request, {"Bucket": "bkt", "Key": "k"})
    assert parsed["Body"] == b"\x00\x01"
    assert parsed["ContentType"] == "text/plain"
    assert parsed["Metadata"] == {"color": "blue"}
    assert parsed["IfNoneMatch"] == "*"
    assert parsed["Expires"] == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_list_output_has_namespace_flattened_contents_and_iso_dates(s3: Any) -> None:
    output = {
        "Name": "bkt",
        "KeyCount": 1,
        "IsTruncated": False,
        "Contents": [
            {"Key": "a<b", "Size": 3, "LastModified": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)}
        ],
        "CommonPrefixes": [{"Prefix": "p/"}],
    }
    response = serialize_rest_xml(s3.operation("ListObjectsV2"), output, "rid", OPTIONS)
    assert response.status == 200
    root = ElementTree.fromstring(response.body)
    assert root.tag == f"{{{NS}}}ListBucketResult"
    assert _members(root) == ["Name", "KeyCount", "IsTruncated", "Contents", "CommonPrefixes"]
    contents = root.find(f"{{{NS}}}Contents")
    assert contents is not None
    assert contents.findtext(f"{{{NS}}}Key") == "a<b"
    assert contents.findtext(f"{{{NS}}}LastModified") == "2024-05-06T07:08:09Z"
    assert root.findtext(f"{{{NS}}}IsTruncated") == "false"
    assert (b"x-amz-request-id", b"rid") in response.headers


def test_wrapped_buckets_list(s3: Any) -> None:
    output = {"Buckets": [{"Name": "a"}, {"Name": "b"}], "Owner": {"ID": "id"}}
    response = serialize_rest_xml(s3.operation("ListBuckets"), output, "r", OPTIONS)
    root = ElementTree.fromstring(response.body)
    buckets = root.find(f"{{{NS}}}Buckets")
    assert buckets is not None
    assert [b.findtext(f"{{{NS}}}Name") for b in buckets] == ["a", "b"]


def test_get_object_headers_blob_body_and_partial_status(s3: Any) -> None:
    output = {
        "Body": b"abc",
        "ContentLength": 3,
        "ETag": '"e"',
        "Metadata": {"color": "blue"},
        "LastModified": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        "ContentRange": "bytes 0-2/10",
    }
    response = serialize_rest_xml(s3.operation("GetObject"), output, "r", OPTIONS)
    headers = dict(response.headers)
    assert response.status == 206
    assert response.body == b"abc"
    assert headers[b"x-amz-meta-color"] == b"blue"
    assert headers[b"Last-Modified"] == b"Mon, 06 May 2024 07:08:09 GMT"
    assert b"Content-Length" not in headers  # the server writes it from the body


def test_head_answer_carries_the_object_length(s3: Any) -> None:
    output = {"ContentLength": 1234, "ETag": '"e"'}
    response = serialize_rest_xml(s3.operation("HeadObject"), output, "r", OPTIONS, head=True)
    # The object's length is announced, not materialised (a HEAD of a 5 GB object).
    assert response.body == b"" and response.content_length == 1234


def test_error_document_and_304(s3: Any) -> None:
    error = ServiceError("NoSuchKey", "The specified key does not exist.", fields={"Key": "k"})
    response = render_rest_xml_error(error, 404, "rid")
    root = ElementTree.fromstring(response.body)
    assert root.tag == "Error"
    assert _members(root) == ["Code", "Message", "Key", "RequestId", "HostId"]
    assert root.findtext("RequestId") == "rid"
    assert dict(response.headers)[b"Content-Type"] == b"application/xml"
    assert render_rest_xml_error(ServiceError("NotModified", ""), 304, "r").body == b""


def test_virtual_hosted_request_routes_as_path_style() -> None:
    request = _request("GET", "/dir/k.txt", Host="photos.s3.localhost:3000")
    assert path_style(request).path == "/photos/dir/k.txt"
    assert path_style(_request("GET", "/", Host="photos.s3.localhost")).path == "/photos"
    plain = _request("GET", "/photos/k", Host="127.0.0.1:3000")
    assert path_style(plain) is plain


def test_sigv2_presigned_url_signed_by_botocore_verifies() -> None:
    signed = AWSRequest(method="GET", url="http://127.0.0.1:3000/bkt/a%20b?uploadId=u1")
    HmacV1QueryAuth(Credentials("test", "test"), expires=60).add_auth(signed)
    path, _, query = signed.url.split("3000", 1)[1].partition("?")
    request = _request("GET", path, query)
    claim = read_query_signature(request)
    assert claim is not None
    store = CredentialStore.local()
    now = datetime.now(UTC)
    assert authenticate_query_v2(claim, request, store, resource_path=path, now=now) == "test"
    with pytest.raises(ServiceError) as error:
        authenticate_query_v2(claim, request, store, resource_path="/bkt/other", now=now)
    assert error.value.code == "SignatureDoesNotMatch"
    later = datetime.fromtimestamp(int(claim.expires) + 1, UTC)
    with pytest.raises(ServiceError) as error:
        authenticate_query_v2(claim, request, store, resource_path=path, now=later)
    assert (error.value.code, error.value.message) == ("AccessDenied", "Request has expired")


def test_header_values_cannot_carry_line_breaks(s3: Any) -> None:
    output = {"Body": b"x", "ContentType": "text/plain\r\nSet-Cookie: a=b"}
    response = serialize_rest_xml(s3.operation("GetObject"), output, "r", OPTIONS)
    assert dict(response.headers)[b"Content-Type"] == b"text/plain  Set-Cookie: a=b"
