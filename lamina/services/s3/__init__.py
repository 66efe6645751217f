"""S3-compatible object storage: the botocore "s3" service (rest-xml) on Lamina's edge.

Objects are files under `.lamina/s3/blobs/` written atomically (blob.py); buckets, object
metadata, tags and multipart uploads are rows in SQLite (store.py). Handlers are grouped
per resource (bucket.py, obj.py, listing.py, multipart.py, tagging.py); provider.py binds
them. May import lamina.aws and lamina.core.
"""
