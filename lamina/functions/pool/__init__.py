"""Worker processes of the function runtime: the zygote client, forked Python workers,
Runtime API processes (runtime.py) and the pools that hold either kind (handle.py).

Used only by lamina.functions.service; the gateway never imports this package.
"""
