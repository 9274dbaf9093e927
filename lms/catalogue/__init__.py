from flask import Blueprint

bp = Blueprint("catalogue", __name__, url_prefix="/courses")

