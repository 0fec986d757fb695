"""The wait itself, free of Airflow and HTTP: what a check concluded (``verdict``), the pace
(``schedule``), the step from one check to the next (``engine``) and how a wait ended (``events``)."""
