"""chanops — channel-operations analytics for mobile operators."""

__version__ = "0.1.0"
