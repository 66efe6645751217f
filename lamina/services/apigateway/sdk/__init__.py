"""Client SDK generation: GetSdk, GetSdkTypes, GetSdkType.

GetSdk exports the stage's deployment as OpenAPI 3.0 (what GetExport answers) and runs
OpenAPI Generator (the PyPI package `openapi-generator-cli`, which ships the generator's
jar; it needs a Java runtime) over it, answering a zip of the generated client.
https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdk.html
"""

from lamina.services.apigateway.sdk.operations import OPERATIONS

__all__ = ["OPERATIONS"]
