"""Airflow-free HTTP plumbing shared by both APIs.

Nothing in here imports Airflow or an API folder: request building, error mapping,
retry decisions and parsing are plain functions, and only the send loop in
:mod:`.transport` exists twice (sync and async).
"""
