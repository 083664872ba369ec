"""Programs standing in for well-known images in the process runtime (see profiles.py)."""
