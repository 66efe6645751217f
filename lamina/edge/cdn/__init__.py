"""The CloudFront-compatible edge's data plane: a distribution's viewers are answered from
the edge cache or its origins — S3 buckets read through the S3 service in process, APIs
through the gateway in process (never over the network).

site.py runs one viewer request (behavior → cache → origin → custom errors → delivery);
origin.py fetches from origins; viewer.py shapes the answer (conditional requests, ranges,
compression, CloudFront's headers). May import lamina.services, lamina.gateway and below.
"""
