"""What the dubbing sensors and operators share in Airflow: the task side of a wait, and
the exceptions that fail a task."""
