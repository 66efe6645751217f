"""Durable asynchronous (InvocationType Event) invocation.

An accepted event is committed to an ``InvocationQueue`` (sqlite in embedded mode) before
the caller hears 202; the ``AsyncInvoker`` runs queued events through ``FunctionService``
with Lambda's retry, event-age and destination rules.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html

May import ``lamina.core`` and the rest of ``lamina.functions``; nothing above.
"""
