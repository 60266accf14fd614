"""Sending mail without letting a mail-server outage break the action that triggered it."""

import logging
import smtplib

from django.core.mail import EmailMessage

logger = logging.getLogger("tilli.mail")


def send_safely(message: EmailMessage, *, purpose: str) -> bool:
    """Send; on a delivery failure log the purpose and error type (never the recipient) and return False."""
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("mail for %s could not be delivered: %s", purpose, type(error).__name__)
        return False
    return True
