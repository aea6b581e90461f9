"""Forms of the accounts pages."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.domain import reset
from accounts.models import ApiKeyScope, OrganizationKind


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
    """An admin invites an e-mail address; the person joins only by accepting (issue 17)."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_(
            "We send a link that works once, for 7 days. The person becomes a member only "
            "when they accept; without an account they create one there."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial="editor")


class InvitationSignUpForm(forms.Form):
    """Someone invited who has no account yet chooses a username and a password."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


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


class ApplicationForm(forms.Form):
    """An organization applies to join (issue 17): the secretariat decides."""

    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    name_zh = forms.CharField(label=_("Name in Chinese"), max_length=200, required=False)
    name_ru = forms.CharField(label=_("Name in Russian"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (kind.value, kind.label)
            for kind in (
                OrganizationKind.LOCAL_GOVERNMENT,
                OrganizationKind.MARKET_ENTITY,
                OrganizationKind.PARTNER,
            )
        ],
    )
    country = forms.ChoiceField(label=_("Country"))
    registration_id = forms.CharField(
        label=_("Registration number"),
        max_length=64,
        required=False,
        help_text=_(
            "China: the 18-character unified social credit code; Kazakhstan: the 12-digit BIN."
        ),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    applicant_name = forms.CharField(label=_("Your name"), max_length=150)
    applicant_email = forms.EmailField(label=_("Your e-mail"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"name_{code}", "").strip() for code in ("en", "zh", "ru")):
            raise ValidationError(_("Give the organization's name in at least one language."))
        return data

    def names(self) -> dict:
        data = self.cleaned_data
        return {
            code: data[f"name_{code}"].strip()
            for code in ("en", "zh", "ru")
            if data.get(f"name_{code}", "").strip()
        }


class ApprovalForm(forms.Form):
    slug = forms.SlugField(label=_("Address name (slug)"), max_length=64)
    identifier_prefix = forms.CharField(
        label=_("Identifier prefix"),
        max_length=40,
        help_text=_("Starts every record identifier, for example CN-XIAN; it never changes."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the applicant)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("A new address takes effect once you open the link we send to it."),
    )
    language = forms.ChoiceField(
        label=_("Language of the site and of e-mails"), choices=settings.LANGUAGES
    )


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
