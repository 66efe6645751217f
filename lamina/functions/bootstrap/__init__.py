"""Code that runs inside the zygote and the worker processes, not in the server.

Standard library only, and it imports nothing of Lamina outside this package: the zygote
loads it under its own package name (see lamina.functions.pool.zygote) so handler code
cannot shadow it and it could run on another interpreter than the server's.
"""
