"""AWS protocol layer: answer AWS SDKs from botocore's service models.

`dispatch.AwsApi` claims requests for registered services (SigV4 scope, X-Amz-Target,
query `Action`), verifies signatures (`sigv4`, `credentials`), routes and parses them
(`route`, `parse`, `query`), calls the provider's handler (`service`, the contract) and
serializes the answer or the error (`serialize`, `fault`). May import lamina.core and
lamina.http only.
"""
