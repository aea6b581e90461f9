"""Forms of the accounts pages."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.domain import reset
from accounts.models import ApiKeyScope


class OrganizationSwitchForm(forms.Form):
    """Which of my organizations I work for now (kept in the session)."""

    organization = forms.SlugField(label=_("Organization"), max_length=64)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where the form has it, else on top."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for name, messages in by_field.items():
        form.add_error(name if name in form.fields else None, messages)


ROLE_CHOICES = [
    ("viewer", _("Viewer: reads the organization's records")),
    ("editor", _("Editor: creates, edits and submits records")),
    ("admin", _("Admin: members, API keys and sign-off")),
]


class InviteMemberForm(forms.Form):
    """An admin adds an existing account to the organization."""

    login = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        help_text=_("The person needs an account already; ask a platform admin to create one."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial="editor")


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class ApiKeyForm(forms.Form):
    """A new API key for oneself in the active organization."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, for example “Booking site sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKeyScope.choices,
        initial=["read"],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Leave empty for a key that does not expire."),
    )


class SisterCityProposalForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner city"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—"), *partners]


class ResetForm(PasswordResetForm):
    """Django's reset form (it answers the same whether or not the address has an account);
    the message itself leaves through accounts.domain.reset, in the person's language."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        path = reverse(
            "password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        url = f"{context['protocol']}://{context['domain']}{path}"
        reset.send_reset_message(context["user"], url)
