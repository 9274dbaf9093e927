"""Co-in-Co LMS: a Flask extension and standalone app for cluster, digital and entrepreneurship courses."""
from lms.app import create_app
from lms.extension import LMS

__all__ = ["LMS", "create_app"]
__version__ = "0.1.0"
