"""A CloudFront-compatible edge's control side: distributions (model.py), CloudFront's
path-pattern rules (pattern.py), cache and origin request policies (policy.py), the
in-memory edge cache (cache.py) and the botocore "cloudfront" management API (provider.py:
invalidations, Get/List distributions).

The data plane that answers viewers (S3 and API origins) lives in lamina.edge.cdn, which may
reach the gateway; this package may import lamina.aws, lamina.http and lamina.core only.
"""
