"""Running an installation: backup and restore (``manage.py backup``, ``manage.py restore``)."""
