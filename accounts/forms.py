"""Forms of the accounts pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class OrganizationSwitchForm(forms.Form):
    """Which of my organizations I work for now (kept in the session)."""

    organization = forms.SlugField(label=_("Organization"), max_length=64)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
