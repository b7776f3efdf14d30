"""The store's common decline reasons, offered as templates in the decline form."""

from flask_admin.model.template import EditRowAction, TemplateLinkRowAction
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length

from models.listing_input import MAX_REASON

from .base import SecureModelView


class DeclineTemplateAdmin(SecureModelView):
    """/admin/decline-reasons/: add, edit and delete the templates."""

    can_view_details = False
    column_list = ("title", "text", "position")
    column_labels = {"title": _l("Title"), "text": _l("Reason text"), "position": _l("Order")}
    column_default_sort = ("position", False)
    form_columns = ("title", "text", "position")
    form_args = {
        "title": {"label": _l("Title"), "validators": [DataRequired(), Length(max=100)]},
        "text": {"label": _l("Reason text"), "validators": [DataRequired(), Length(max=MAX_REASON)]},
        "position": {"label": _l("Order"), "description": _l("Smaller numbers come first.")},
    }

    def get_list_row_actions(self):
        # Our own delete button: the stock one needs inline JavaScript.
        return [EditRowAction(), TemplateLinkRowAction("flea_rows.delete", _l("Delete"))]
