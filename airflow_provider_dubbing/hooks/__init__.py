"""Airflow hooks: authenticated calls to each dubbing service, sync and async twins."""
