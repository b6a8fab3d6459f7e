"""Form rendering with the Utrecht component classes and the ARIA wiring done once."""

from django import template
from django.forms import widgets

register = template.Library()

WIDGET_CLASSES = {
    widgets.Textarea: "utrecht-textarea utrecht-textarea--html-textarea",
    widgets.Select: "utrecht-select utrecht-select--html-select",
    widgets.SelectMultiple: "utrecht-select utrecht-select--html-select",
    widgets.CheckboxInput: "utrecht-checkbox utrecht-checkbox--html-input",
    widgets.RadioSelect: "utrecht-radio-button utrecht-radio-button--html-input",
    widgets.CheckboxSelectMultiple: "utrecht-checkbox utrecht-checkbox--html-input",
    widgets.ClearableFileInput: "utrecht-file-input",
    widgets.FileInput: "utrecht-file-input",
}


def widget_class(widget) -> str:
    for cls in type(widget).__mro__:
        if cls in WIDGET_CLASSES:
            return WIDGET_CLASSES[cls]
    return "utrecht-textbox utrecht-textbox--html-input"


@register.simple_tag
def render_widget(field, **extra):
    """The field's widget with its Utrecht class, aria-describedby and aria-invalid."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    attrs = {"class": widget_class(field.field.widget)}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["class"] += " utrecht-textbox--invalid"
    if described_by and not isinstance(
        field.field.widget, widgets.RadioSelect | widgets.CheckboxSelectMultiple
    ):
        attrs["aria-describedby"] = " ".join(described_by)
    attrs.update(extra)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def render_choice(choice, field):
    """One radio or checkbox of a multiple-choice field, with its Utrecht class."""
    choice.data["attrs"]["class"] = widget_class(field.field.widget)
    return choice.tag()
