"""Worker processes of the function runtime: the zygote client, workers and their pools.

Used only by lamina.functions.service; the gateway never imports this package.
"""
