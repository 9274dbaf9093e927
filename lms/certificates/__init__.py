"""Certificates: issued on completion, downloadable as PDF and Open Badge, publicly verifiable.

The blueprint has no URL prefix of its own because the public verification page lives at
``/verify/<id>``; every other view starts with ``/certificates``.
"""
from flask import Blueprint

bp = Blueprint("certificates", __name__)
