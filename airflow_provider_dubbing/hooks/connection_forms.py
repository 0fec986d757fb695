"""How our two connection types look in Airflow's connection form, as plain data.

Airflow 2.x to 3.1 read it from the hooks' ``get_ui_field_behaviour`` and
``get_connection_form_widgets``; 3.2+ read the declarative ``conn-fields`` and
``ui-field-behaviour`` keys of the provider info. Both are built from this one module so
they cannot drift apart, and importing it costs nothing at DAG-parse time.
"""

from __future__ import annotations

import copy
from typing import Any

CAMB_CONN_TYPE = "camb"
BLENDVISION_CONN_TYPE = "blendvision"

UI_FIELD_BEHAVIOUR: dict[str, dict[str, Any]] = {
    CAMB_CONN_TYPE: {
        "hidden_fields": ["schema", "port", "login"],
        "relabeling": {"host": "Base URL", "password": "API key"},
        "placeholders": {
            "host": "https://client.camb.ai/apis (leave empty for this default)",
            "password": "the key from the API section of CAMB.AI studio",
            "extra": '{"allow_insecure_http": false}',
        },
    },
    BLENDVISION_CONN_TYPE: {
        "hidden_fields": ["schema", "port", "login"],
        "relabeling": {"host": "Base URL", "password": "API token"},
        "placeholders": {
            "host": "https://api.one.blendvision.com (leave empty for this default)",
            "password": "an API token of the organization",
            "org_id": "the organization id, sent as x-bv-org-id",
            "extra": '{"org_id": "..."}',
        },
    },
}

# Extra fields shown as their own inputs, stored in the connection extra under these names.
EXTRA_FIELDS: dict[str, dict[str, dict[str, str]]] = {
    CAMB_CONN_TYPE: {},
    BLENDVISION_CONN_TYPE: {
        "org_id": {
            "label": "Organization ID",
            "description": "Sent as the x-bv-org-id header; required with an API token.",
        },
    },
}


def ui_field_behaviour(conn_type: str) -> dict[str, Any]:
    """The Airflow 2.x-3.1 ``get_ui_field_behaviour`` value for ``conn_type``, as a fresh copy.

    A copy, because Airflow 2's providers manager rewrites the dict it is given in place
    (it prefixes placeholder keys of extra fields), which would corrupt the shared table.
    """
    return copy.deepcopy(UI_FIELD_BEHAVIOUR[conn_type])


def declarative_ui(conn_type: str) -> dict[str, Any]:
    """The Airflow 3.2+ ``ui-field-behaviour`` and ``conn-fields`` keys for ``conn_type``."""
    behaviour = ui_field_behaviour(conn_type)
    return {
        "ui-field-behaviour": {
            "hidden-fields": behaviour["hidden_fields"],
            "relabeling": behaviour["relabeling"],
            "placeholders": behaviour["placeholders"],
        },
        "conn-fields": {
            name: {
                "label": spec["label"],
                "description": spec["description"],
                "schema": {"type": ["string", "null"]},
            }
            for name, spec in EXTRA_FIELDS[conn_type].items()
        },
    }


def form_widgets(conn_type: str) -> dict[str, Any]:
    """The Airflow 2.x-3.1 ``get_connection_form_widgets`` value for ``conn_type``."""
    fields = EXTRA_FIELDS[conn_type]
    if not fields:
        return {}
    # Imported here: these come with the web server and must not load at DAG-parse time.
    from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import StringField

    return {
        name: StringField(
            lazy_gettext(spec["label"]), widget=BS3TextFieldWidget(), description=spec["description"]
        )
        for name, spec in fields.items()
    }
