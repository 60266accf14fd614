"""In development mail is printed on the console; it must read as text, links whole, to be copied."""

from __future__ import annotations

import io

from django.core.mail import EmailMessage

from tilli.lib.console_mail import EmailBackend

LINK = "http://127.0.0.1:8000/p/kaisla/link/" + "Ab3=_-" * 12 + "/"


def test_the_console_prints_decoded_text_with_whole_links():
    stream = io.StringIO()
    message = EmailMessage(subject="Kirjautumislinkki: Parturi-kampaamo Kaisla – tervetuloa",
                           body=f"Hyvää päivää!\n\n{LINK}\n\nLinkki toimii kerran.", to=["anna@example.test"])
    message.attach("booking.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert f"\n{LINK}\n" in printed
    assert "Hyvää päivää!" in printed and "Subject: Kirjautumislinkki: Parturi-kampaamo Kaisla – tervetuloa" in printed
    assert "=3D" not in printed and "=C3" not in printed and "?utf-8?" not in printed
    assert "[attachment booking.ics (text/calendar," in printed and "BEGIN:VCALENDAR" not in printed

