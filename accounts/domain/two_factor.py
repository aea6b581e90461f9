"""Two-factor sign-in (issue 17): a TOTP device and ten single-use recovery codes (django-otp).

Who must have it is MFA_REQUIRED_ROLES: organization `admin`s, `reviewer`s and
`platform_admin`s by default; empty, nobody is forced. Everyone else may enrol. API keys are
not touched: a key is its own credential, issued by a signed-in person.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.domain.boundary import membership_roles
from registry.tenancy import MembershipRole, PlatformRole

RECOVERY_CODES = 10
ISSUER = "Silk Road Registry"


def required_roles() -> set[str]:
    return {role.strip() for role in settings.MFA_REQUIRED_ROLES.split(",") if role.strip()}


def required_for(user) -> bool:
    """Whether this person must sign in with a second factor (their roles, MFA_REQUIRED_ROLES)."""
    roles = required_roles()
    if not roles or user is None or not user.is_authenticated:
        return False
    if user.platform_role in roles and user.platform_role != PlatformRole.NONE:
        return True
    if MembershipRole.ADMIN in roles:
        return MembershipRole.ADMIN in membership_roles(user, None).values()
    return False


def has_device(user) -> bool:
    """A confirmed TOTP device (recovery codes alone are not an enrolment)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled, made once and kept until confirmed or removed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key in base32 groups of four, for typing into an app by hand."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def otpauth_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG image (no script, no request elsewhere)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


@transaction.atomic
def confirm(user, token: str) -> list[str] | None:
    """Confirm the pending device with a code from the app; -> the ten recovery codes (shown
    once), or None when the code is wrong."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(token)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the recovery codes with ten new ones; each works once. The old ones stop working
    in the same transaction: there is no moment with both sets, or with none."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def regenerate_recovery_codes(user) -> list[str] | None:
    """Ten new recovery codes in place of the old ones (used up, lost, or seen by someone else);
    None when the person has no confirmed device: recovery codes alone are no enrolment."""
    if not has_device(user):
        return None
    return new_recovery_codes(user)


def recovery_codes_left(user) -> int:
    """How many unused recovery codes the person still has (the page says when to make more)."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(user, token: str):
    """The device a code (an app's six digits or a recovery code) belongs to, or None."""
    token = (token or "").strip().replace(" ", "")
    if not token or len(token) > 16:
        return None
    return match_token(user, token)


def remove(user) -> None:
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()


def _digits(token: str) -> str:
    return (token or "").strip().replace(" ", "")[:16]


def verify_enrolled(user) -> TOTPDevice | None:
    """The confirmed TOTP device, which the session counts as verified right after enrolment."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
