"""Lambda-compatible function runtime: FunctionService (the one entry point), worker pools,
the zygote and the bootstrap code that runs inside workers. May import core, http, aws.
"""
