"""The ingest pipeline: small pure stages that pass frozen dataclasses.

Nothing in this package imports Django or reads settings: options are passed in.
"""
