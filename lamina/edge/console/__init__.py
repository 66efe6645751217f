"""The web console at `/_lamina/console`: static pages (plain ES modules, no framework)
that sign their own calls to Lamina's AWS-compatible APIs with SigV4, as the SDKs do.

Python here only serves the files and tells the page how to get credentials; it may
import aws, http and core.
"""
