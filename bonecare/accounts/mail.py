"""Mail back-ends (BONECARE_MAIL_BACKEND): `log`, which sends nothing and logs no secret, and `smtp` (smtplib)."""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 10
# BONECARE_SMTP_URL's schemes: plain (a local relay), STARTTLS on a submission port, or TLS from the first byte.
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class Mail:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    text: str


class LogMailer:
    """Sends nothing: logs that a mail would go, with its subject and the recipient's domain only (the address is
    personal data, the body holds a secret)."""

    def send(self, mail: Mail) -> None:
        """Log the mail's passing, not its content."""
        log.info("mail (log back-end, not sent): %r to a recipient at %s", mail.subject, mail.to.rpartition("@")[2])


class SmtpMailer:
    """Sends through an SMTP server named by a URL: smtp://[user:password@]host[:port] (also smtp+starttls://,
    smtps://)."""

    def __init__(self, url: str, sender: str):
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("BONECARE_SMTP_URL must be smtp://, smtp+starttls:// or smtps://host[:port]")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.credentials = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        self.sender = sender

    def send(self, mail: Mail) -> None:
        """Deliver the mail to the server, or raise."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, mail.to, mail.subject
        message.set_content(mail.text)
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        with server:
            if self.scheme == "smtp+starttls":
                server.starttls(context=context)
            if self.credentials:
                server.login(*self.credentials)
            server.send_message(message)


def mailer_for(config) -> LogMailer | SmtpMailer:
    """The configured back-end; a setting missing or wrong raises here."""
    backend = config["BONECARE_MAIL_BACKEND"]
    if backend == "log":
        return LogMailer()
    if backend == "smtp":
        if not config.get("BONECARE_SMTP_URL") or not config.get("BONECARE_PUBLIC_URL"):
            raise ValueError("BONECARE_MAIL_BACKEND=smtp needs BONECARE_SMTP_URL and BONECARE_PUBLIC_URL (the links)")
        return SmtpMailer(config["BONECARE_SMTP_URL"], config["BONECARE_MAIL_FROM"])
    raise ValueError(f"BONECARE_MAIL_BACKEND must be log or smtp, not {backend!r}")
