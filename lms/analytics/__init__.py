"""Analytics for administrators and trainers (their own cohorts), demo data at scale."""
from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
