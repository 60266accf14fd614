"""Development mail on the console as a person reads it: headers and text decoded.

Django's console backend prints the wire format, where text is quoted-printable or base64: a long
link is broken with "=" at line ends and "=3D" for "=", so it cannot be copied into a browser.
This prints each header and each text part decoded, and names attachments instead of dumping them.
"""

from __future__ import annotations

from email.header import decode_header, make_header

from django.core.mail.backends import console

HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "List-Unsubscribe")


class EmailBackend(console.EmailBackend):
    def write_message(self, message) -> None:
        msg = message.message()
        lines = [f"{name}: {make_header(decode_header(str(msg[name])))}" for name in HEADERS if msg[name]]
        for part in msg.walk():
            if part.is_multipart():
                continue
            content = part.get_payload(decode=True) or b""
            if part.get_content_maintype() == "text" and not part.get_filename():
                lines += ["", content.decode(part.get_content_charset() or "utf-8", errors="replace").rstrip()]
            else:
                lines += ["", f"[attachment {part.get_filename() or ''} ({part.get_content_type()}, "
                              f"{len(content)} bytes)]"]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
