"""Trainers run pilots: cohorts, sessions, attendance, announcements, the progress grid and
exercise review. Learners join and submit through ``lms.learn``."""
from flask import Blueprint

bp = Blueprint("trainer", __name__, url_prefix="/trainer")
