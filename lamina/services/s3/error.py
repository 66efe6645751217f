"""S3's errors, with the codes, statuses and messages AWS documents.

https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
Extra fields (BucketName, Key, UploadId, ...) appear as elements of the `<Error>` document,
as S3 sends them.
"""

from __future__ import annotations

from email.utils import formatdate

from lamina.aws.service import ServiceError


def no_such_bucket(bucket: str) -> ServiceError:
    return ServiceError(
        "NoSuchBucket",
        "The specified bucket does not exist",
        status=404,
        fields={"BucketName": bucket},
    )


def no_such_key(key: str, marker_version: str | None = None) -> ServiceError:
    """`marker_version`: the delete marker that is the key's current version, which S3
    names in `x-amz-delete-marker: true` and `x-amz-version-id` headers.
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (x-amz-delete-marker)
    """
    headers = None if marker_version is None else _marker_headers(marker_version)
    return ServiceError(
        "NoSuchKey",
        "The specified key does not exist.",
        status=404,
        fields={"Key": key},
        headers=headers,
    )


def _marker_headers(version_id: str) -> dict[str, str]:
    return {"x-amz-delete-marker": "true", "x-amz-version-id": version_id}


def no_such_upload(upload_id: str) -> ServiceError:
    return ServiceError(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
        status=404,
        fields={"UploadId": upload_id},
    )


def bucket_owned(bucket: str) -> ServiceError:
    return ServiceError(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        status=409,
        fields={"BucketName": bucket},
    )


def bucket_not_empty(bucket: str) -> ServiceError:
    return ServiceError(
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty",
        status=409,
        fields={"BucketName": bucket},
    )


def invalid_bucket_name(bucket: str) -> ServiceError:
    return ServiceError(
        "InvalidBucketName",
        "The specified bucket is not valid.",
        status=400,
        fields={"BucketName": bucket},
    )


def precondition_failed(condition: str) -> ServiceError:
    return ServiceError(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        status=412,
        fields={"Condition": condition},
    )


def not_modified() -> ServiceError:
    """304: rendered without a body."""
    return ServiceError("NotModified", "Not Modified", status=304)


def invalid_range(requested: str, size: int) -> ServiceError:
    return ServiceError(
        "InvalidRange",
        "The requested range is not satisfiable",
        status=416,
        fields={"RangeRequested": requested, "ActualObjectSize": size},
    )


def entity_too_small(size: int, part: int) -> ServiceError:
    return ServiceError(
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
        status=400,
        fields={"ProposedSize": size, "MinSizeAllowed": 5 * 1024 * 1024, "PartNumber": part},
    )


def invalid_part(part: int, etag: str) -> ServiceError:
    return ServiceError(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag.",
        status=400,
        fields={"PartNumber": part, "ETag": etag},
    )


def invalid_part_order() -> ServiceError:
    return ServiceError(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
        status=400,
    )


def malformed_xml() -> ServiceError:
    return ServiceError(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        status=400,
    )


def invalid_argument(message: str, name: str, value: object) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        message,
        status=400,
        fields={"ArgumentName": name, "ArgumentValue": value},
    )


def invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequest", message, status=400)


def no_such_bucket_policy(bucket: str) -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
        status=404,
        fields={"BucketName": bucket},
    )


def no_such_cors_configuration(bucket: str) -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "NoSuchCORSConfiguration",
        "The CORS configuration does not exist",
        status=404,
        fields={"BucketName": bucket},
    )


def no_such_website_configuration(bucket: str) -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration",
        status=404,
        fields={"BucketName": bucket},
    )


def malformed_policy(message: str) -> ServiceError:
    return ServiceError("MalformedPolicy", message, status=400)


def bad_digest(expected: str, computed: str) -> ServiceError:
    return ServiceError(
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        status=400,
        fields={"ExpectedDigest": expected, "CalculatedDigest": computed},
    )


def invalid_digest(value: str) -> ServiceError:
    return ServiceError(
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
        status=400,
        fields={"Content-MD5": value},
    )


def invalid_tag(message: str) -> ServiceError:
    return ServiceError("InvalidTag", message, status=400)


def not_implemented(what: str) -> ServiceError:
    return ServiceError(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        status=501,
        fields={"Header": what},
    )


def key_too_long(size: int) -> ServiceError:
    return ServiceError(
        "KeyTooLongError",
        "Your key is too long",
        status=400,
        fields={"Size": size, "MaxSizeAllowed": 1024},
    )


def metadata_too_large(size: int) -> ServiceError:
    return ServiceError(
        "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size",
        status=400,
        fields={"Size": size, "MaxSizeAllowed": 2048},
    )


def invalid_part_number(part: int, parts: int) -> ServiceError:
    return ServiceError(
        "InvalidPartNumber",
        "The requested partnumber is not satisfiable",
        status=416,
        fields={"PartNumberRequested": part, "ActualPartCount": parts},
    )


def acl_not_supported() -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
    return ServiceError(
        "AccessControlListNotSupported", "The bucket does not allow ACLs", status=400
    )


def no_such_version(key: str, version_id: str) -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "NoSuchVersion",
        "The specified version does not exist.",
        status=404,
        fields={"Key": key, "VersionId": version_id},
    )


def delete_marker_version(version_id: str, modified: float) -> ServiceError:
    """A request naming a delete marker's version id: 405 MethodNotAllowed, with the
    marker's headers, its Last-Modified, and `Allow: DELETE` (the one method a marker takes).
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (x-amz-delete-marker)
    """
    return ServiceError(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        status=405,
        fields={"Method": "GET", "ResourceType": "DeleteMarker"},
        headers={
            **_marker_headers(version_id),
            "Last-Modified": formatdate(int(modified), usegmt=True),
            "Allow": "DELETE",
        },
    )
