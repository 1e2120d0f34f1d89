"""Publishing the synthesized catalog into AWS accounts (used by `publish.py`)."""
