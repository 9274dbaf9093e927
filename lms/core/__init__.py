from flask import Blueprint

bp = Blueprint("core", __name__)

