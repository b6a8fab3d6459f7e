"""Background tasks of cases (django-tasks): an interface that calls notifications."""
